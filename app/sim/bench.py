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
import hashlib
import resource
import statistics
import time
import timeit
from pathlib import Path
from typing import Any

import orjson

from app.sim.run import simulate
from app.sim.scenario import Scenario, load_scenario, parse_scenario, read_scenario_data

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
_dumps, _SORTED, _sha256 = orjson.dumps, orjson.OPT_SORT_KEYS, hashlib.sha256


def bench_scenario(days: float = 120.0) -> Scenario:
    """Lakeview for `days`: the calibrated city, shortened so a repeat takes about a second."""
    data = read_scenario_data(SCENARIOS / "lakeview.toml")
    data["run"]["days"] = days
    return parse_scenario(data)


def events_per_second(repeats: int = 5, days: float = 120.0) -> dict[str, Any]:
    scenario = bench_scenario(days)
    simulate(scenario)  # warm-up: imports, h3 tables, caches
    times, cpu_times, events = [], [], 0
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = simulate(scenario)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
        events = result.workflow_events()
    median, cpu_median = statistics.median(times), statistics.median(cpu_times)
    return {
        "scenario": scenario.name,
        "days": days,
        "events": events,
        "audit_entries": result.audit_entries,
        "median_seconds": round(median, 4),
        "events_per_second": round(events / median),
        # The same runs per second of this process's CPU time: less moved by time spent
        # waiting for a shared core (not by a shared core's caches).
        "events_per_cpu_second": round(events / cpu_median),
    }


def audit_appends_per_second(count: int = 20_000) -> float:
    """The ceiling: `audit.record` alone (canonical JSON, SHA-256 link) on a memory store."""
    from app.clock import SimulatedClock
    from app.policies.registry import load_policy
    from app.sim.seeds import id_source
    from app.store.memory import MemoryStore
    from app.workflow import audit
    from app.workflow.context import SYSTEM, Ctx

    scenario = bench_scenario()
    ctx = Ctx(
        MemoryStore(),
        SimulatedClock(scenario.run.start),
        load_policy("privacy-by-design"),
        id_source(1),
    )
    data = {"request_id": "7d1f6c0e-0000-4000-8000-000000000000", "resident_id": "x" * 36}
    started = time.perf_counter()
    for n in range(count):
        audit.record(ctx, SYSTEM, "notice.sent", "notice", n, data)
    return count / (time.perf_counter() - started)


def floor_entry(
    seq: int,
    entry_id: str,
    at: str,
    who: str,
    action: str,
    subject: str,
    data: dict[str, Any],
    prev: bytes,
) -> tuple[bytes, bytes]:
    """The least work of one audit entry: its canonical bytes (orjson, sorted keys: what
    `audit.record` hashes for plain data), then its leaf hash and its link hash. A test checks
    that these are the hashes `audit.record` stores, so the floor measures the real work."""
    subject_type, _, subject_id = subject.partition(":")
    body = {
        "seq": seq,
        "id": entry_id,
        "at": at,
        "actor": who,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "data": data,
    }
    canonical = _dumps(body, option=_SORTED)
    return _sha256(b"\x00" + canonical).digest(), _sha256(prev + canonical).digest()


def audit_floor_per_second(count: int = 50_000) -> float:
    """`floor_entry` with a seeded id and its text, in a bare loop with nothing around it: no
    store, no Merkle fold, no payload copy, no workflow. A rate no implementation of I7 (one
    hash-linked entry per state change) can beat in CPython."""
    from app.sim.seeds import id_source

    new_id = id_source(1)
    at = bench_scenario().run.start.isoformat()
    data = {"resident_id": "7d1f6c0e-0000-4000-8000-000000000000"}
    prev, chain = bytes(32), []
    started = time.perf_counter()
    for seq in range(count):
        entry_id = str(new_id())
        leaf, prev = floor_entry(
            seq, entry_id, at, "operator:sim", "camera.created", f"camera:{entry_id}", data, prev
        )
        chain.append((leaf, prev))
    return count / (time.perf_counter() - started)


def yardstick_microseconds() -> float:
    """`sum(range(1000))` in microseconds: about 10 on an idle core of this machine's kind; a
    larger figure means the run shared its core, and every other figure shrinks alike."""
    return statistics.median(
        timeit.timeit("sum(range(1000))", number=2000) / 2000 * 1e6 for _ in range(5)
    )


def side_by_side(repeats: int = 5) -> dict[str, Any]:
    """Events/s of whole runs next to audit appends/s alone, measured in one process."""
    figures: dict[str, Any] = {"yardstick_us": round(yardstick_microseconds(), 1)}
    figures.update(events_per_second(repeats))
    ceiling = statistics.median(audit_appends_per_second() for _ in range(repeats))
    figures["audit_appends_per_second_alone"] = round(ceiling)
    figures["ratio_events_to_audit_alone"] = round(figures["events_per_second"] / ceiling, 3)
    # The bound I7 sets: were everything but the floor of each audit entry free, a run could
    # do no more than this many events per second (events per entry, times entries per second).
    floor = statistics.median(audit_floor_per_second() for _ in range(repeats))
    figures["audit_entry_floor_per_second"] = round(floor)
    per_entry = figures["events"] / figures["audit_entries"]
    figures["events_per_second_bound_by_the_floor"] = round(floor * per_entry)
    figures["yardstick_us_after"] = round(yardstick_microseconds(), 1)
    return figures


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
    figures = million_cameras() if args.million else side_by_side(args.repeats)
    for key, value in figures.items():
        print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
