"""The simulation's row of the bench table: workflow events per second in memory.

`app.sim.bench.events_per_second` runs the calibrated Lakeview scenario whole, in memory, and
reports the median of its repeats (docs/performance.md, "Simulation").
"""

from __future__ import annotations

from app.sim.bench import events_per_second

LABEL = "simulation: workflow events in memory (Lakeview, 120 days)"


def simulation_events_per_second(repeats: int = 3, days: float = 120.0) -> float:
    figures = events_per_second(repeats=repeats, days=days)
    return float(figures["events_per_second"])
