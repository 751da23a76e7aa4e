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
    # Never through a link: compare never makes one, and a link planted in a shared folder
    # (runs/x -> someone's experiments) would have had their rep-NNN folders deleted.
    for policy_dir in sorted(runs.iterdir()) if _real_dir(runs) else []:
        if not _real_dir(policy_dir):
            continue
        for run in sorted(policy_dir.iterdir()):
            if _real_dir(run) and _REPLICATION.fullmatch(run.name) and run.resolve() not in keep:
                shutil.rmtree(run)
        if not any(policy_dir.iterdir()):
            policy_dir.rmdir()
    for name in set(_CONDITIONAL_OUTPUTS) - set(written):
        if (out / name).is_file() or (out / name).is_symlink():
            (out / name).unlink()  # a link itself is removed; its target is not touched


def _real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()
