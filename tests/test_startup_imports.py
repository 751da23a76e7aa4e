"""The served app starts without the simulation's heavy libraries.

The web lab ran `compare` through imports made with the app: scipy, matplotlib and pyarrow
were half of `serve`'s start-up (1.5 of 3.1 s), and of every uvicorn worker's. They are now
imported when the lab first runs (app/web/lab_run.py; docs/performance.md, "Start-up").
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("scipy", "matplotlib", "pyarrow")


def test_importing_the_app_leaves_the_simulation_libraries_alone() -> None:
    script = (
        f"import sys, app.main, app.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(  # noqa: S603  (this interpreter, a constant script)
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "", f"imported with the app: {done.stdout.strip()}"
