"""The simulation's events per second, where the simulation issue (6) has landed.

The simulation provides `app.sim.bench.events_per_second() -> float` (a fixed scenario and
seed, run for a few seconds); until it exists the bench table says so.
"""

from __future__ import annotations

import importlib


def simulation_events_per_second() -> float | None:
    try:
        module = importlib.import_module("app.sim.bench")
    except ImportError:
        return None
    rate: float = module.events_per_second()
    return rate
