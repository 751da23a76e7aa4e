"""Benchmarks of the simulation (run by `make bench-sim`; never by the tests).

events_per_second: workflow events (requests, notices, responses, releases, audit entries) per
second of wall time for a whole in-memory run, city building included, median of repeats.

million_cameras: a one-year run over a city of about a million cameras, in memory, keeping only
the audit chain's head; prints its wall time, event count and peak resident memory.

    python -m app.sim.bench            # the events/s line
    python -m app.sim.bench --million  # the large run (minutes)
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from app.sim.run import simulate
from app.sim.scenario import Scenario, load_scenario, parse_scenario, read_scenario_data

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def bench_scenario(days: float = 120.0) -> Scenario:
    """Lakeview for `days`: the calibrated city, shortened so a repeat takes about a second."""
    data = read_scenario_data(SCENARIOS / "lakeview.toml")
    data["run"]["days"] = days
    return parse_scenario(data)


def events_per_second(repeats: int = 5, days: float = 120.0) -> dict[str, Any]:
    scenario = bench_scenario(days)
    simulate(scenario)  # warm-up: imports, h3 tables, caches
    times, events = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        result = simulate(scenario)
        times.append(time.perf_counter() - started)
        events = result.workflow_events()
    median = statistics.median(times)
    return {
        "scenario": scenario.name,
        "days": days,
        "events": events,
        "audit_entries": result.audit_entries,
        "median_seconds": round(median, 4),
        "events_per_second": round(events / median),
    }


def bench_line() -> tuple[str, float, str]:
    """One row for a benchmark table: (what, value, unit)."""
    figures = events_per_second(repeats=3)
    return ("simulation: workflow events in memory", float(figures["events_per_second"]), "/s")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def million_cameras() -> dict[str, Any]:
    scenario = load_scenario(SCENARIOS / "metro-1m.toml")
    started = time.perf_counter()
    result = simulate(scenario, keep_audit=False)
    seconds = time.perf_counter() - started
    return {
        "scenario": scenario.name,
        "cameras": result.summary["cameras"],
        "events": result.workflow_events(),
        "audit_entries": result.audit_entries,
        "requests_filed": result.summary["requests_filed"],
        "notices": result.summary["notices"],
        "seconds": round(seconds, 1),
        "events_per_second": round(result.workflow_events() / seconds),
        "peak_rss_mib": round(peak_rss_mib()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="run the 1,000,000-camera year")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    figures = million_cameras() if args.million else events_per_second(args.repeats)
    for key, value in figures.items():
        print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
