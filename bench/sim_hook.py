"""The simulation's events per second, where the simulation issue (6) has landed.

The simulation provides `app.sim.bench.bench_line() -> (what, events per second, unit)` (a
fixed scenario and seed, run for a few seconds); until it exists the bench table says so.
"""

from __future__ import annotations

import importlib


def simulation_events_per_second() -> float | None:
    try:
        module = importlib.import_module("app.sim.bench")
    except ImportError:
        return None
    # events_per_second() returns the whole figures dict; bench_line() the one number.
    _, rate, _ = module.bench_line()
    return float(rate)
