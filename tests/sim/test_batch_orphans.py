"""A sweep killed outright (SIGKILL, the OOM killer) leaves no worker process behind: the
workers see their parent gone and exit, instead of waiting for work forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os, sys, time
from pathlib import Path
from app.sim import batch
from app.sim.batch import RunTask

def worker(task):
    (Path(sys.argv[1]) / f"worker-{os.getpid()}").touch()
    time.sleep(0.2)
    return {"summary": {}, "weekly": []}

if __name__ == "__main__":
    tasks = [RunTask(Path(sys.argv[1]) / f"run-{i}", {}, i) for i in range(200)]
    batch.run_tasks(tasks, jobs=2, worker=worker)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def test_workers_exit_when_the_sweep_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "sweep.py"
    script.write_text(SCRIPT)
    command = [sys.executable, str(script), str(tmp_path)]
    sweep = subprocess.Popen(command, cwd=ROOT)  # noqa: S603  (our own interpreter and script)
    try:
        deadline = time.monotonic() + 30
        while len(list(tmp_path.glob("worker-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [int(p.name.removeprefix("worker-")) for p in tmp_path.glob("worker-*")]
        assert len(workers) == 2
    finally:
        os.kill(sweep.pid, signal.SIGKILL)
        sweep.wait()
    deadline = time.monotonic() + 5
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if alive(w)]
    for pid in left:  # before the fix they waited forever: end them, then fail
        os.kill(pid, signal.SIGKILL)
    assert not left, f"orphaned workers {left}"
