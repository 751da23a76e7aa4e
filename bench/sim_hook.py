"""The simulation's row of the bench table: workflow events per second in memory.

`app.sim.bench.events_per_second` runs the calibrated Lakeview scenario whole, in memory, and
reports the median of its repeats (docs/performance.md, "Simulation"). It runs in a fresh
interpreter, as `make bench-sim` does: inside the bench's own process, after the servers and
the million-camera fan-outs, the row read 44,191 events/s (30 Nov 2026 10:31 UTC) where a fresh
interpreter read 62,236 minutes later on the same quiet machine; what the bench did before
should not move the simulation's figure.
"""

from __future__ import annotations

import json
import subprocess
import sys

LABEL = "simulation: workflow events in memory (Lakeview, 120 days)"

_MEASURE = (
    "import json, sys; from app.sim.bench import events_per_second; "
    "print(json.dumps(events_per_second(repeats=int(sys.argv[1]), days=float(sys.argv[2]))))"
)


def simulation_events_per_second(repeats: int = 3, days: float = 120.0) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(repeats), str(days)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return float(figures["events_per_second"])
