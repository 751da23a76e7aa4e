"""Ctrl-C during a parallel sweep stops it: the queued runs are dropped, not run first."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from app.sim import batch
from app.sim.batch import RunTask


def slow_worker(task: RunTask) -> dict[str, Any]:
    """A run that takes a moment and leaves a mark, in a worker process."""
    time.sleep(0.05)
    task.directory.mkdir(parents=True, exist_ok=True)
    (task.directory / "ran").touch()
    return {"summary": {}, "weekly": []}


def test_an_interrupt_drops_the_queued_runs(tmp_path: Path) -> None:
    tasks = [RunTask(tmp_path / f"run-{i:02d}", {}, i) for i in range(40)]

    def interrupt(_task: RunTask, _reused: bool) -> None:
        raise KeyboardInterrupt  # as Ctrl-C would, once the first run is back

    with pytest.raises(KeyboardInterrupt):
        batch.run_tasks(tasks, jobs=2, on_done=interrupt, worker=slow_worker)
    # The pool's workers outlive run_tasks (the interpreter joins them at exit): wait until
    # no further run finishes, as the command's user waits for it to exit.
    ran, deadline = -1, time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = len(list(tmp_path.glob("run-*/ran")))
        if now == ran:
            break
        ran = now
    # The first run, the two running and the few the pool had already handed to its workers
    # (about 7 in all); before the fix, all 40 ran before the command returned.
    assert 1 <= ran <= 10, ran
