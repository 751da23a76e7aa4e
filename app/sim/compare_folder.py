"""A compare folder shows the last comparison run into it, and nothing of an earlier one.

Rerunning `compare` into the same `--out` reuses the runs whose inputs did not change (each run's
`result.json` keys its inputs), but with fewer policies or replications the earlier ones' run
folders, and with one policy the earlier `differences.png`, would stay beside the new tables
and be read as this comparison's. Once the new outputs are written, what compare itself had
written and this comparison did not is removed: only its own names (`runs/<policy>/rep-NNN`,
`differences.png`), never another file a researcher put there.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from pathlib import Path

_REPLICATION = re.compile(r"rep-\d{3,}")
_CONDITIONAL_OUTPUTS = ("differences.png",)


def prune_earlier_runs(out: Path, kept: Iterable[Path], written: Iterable[str]) -> None:
    """Remove the earlier comparisons' run folders not in `kept` and the conditional outputs
    not `written`."""
    keep = {path.resolve() for path in kept}
    runs = out / "runs"
    for policy_dir in sorted(runs.iterdir()) if runs.is_dir() else []:
        if not policy_dir.is_dir():
            continue
        for run in sorted(policy_dir.iterdir()):
            if run.is_dir() and _REPLICATION.fullmatch(run.name) and run.resolve() not in keep:
                shutil.rmtree(run)
        if not any(policy_dir.iterdir()):
            policy_dir.rmdir()
    for name in set(_CONDITIONAL_OUTPUTS) - set(written):
        if (out / name).is_file():
            (out / name).unlink()
