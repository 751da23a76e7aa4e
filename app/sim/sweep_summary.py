"""Per-point summaries of a sweep: each (point, policy), its mean and 95% interval per metric.

They are derived from the per-run rows (sweep.csv) only after every run has finished, never
accumulated while runs complete: the rows come back in task order whether the runs were fresh,
reused after an interruption or done in parallel, so the summaries are the same bytes too.

A metric that is infinite in some replication (the fairness ratio, when a group got no notice)
has an infinite mean: dropping that replication would hide the very disparity the ratio
measures, and a finite mean of the rest would read as a typical value. Its half-width is
unknown (nan), as with one replication; sweep.csv shows which runs were infinite.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from app.sim.intervals import interval

# What the plots and the console table show when there are too many metrics for all of them.
KEY_METRICS = ("share_rate", "clips_released_consent", "residents_disclosed")


def mean_column(metric: str) -> str:
    return f"{metric}_mean"


def half_width_column(metric: str) -> str:
    return f"{metric}_half_width"


def point_columns(parameters: Sequence[str], metrics: Sequence[str]) -> list[str]:
    per_metric = [c for m in metrics for c in (mean_column(m), half_width_column(m))]
    return ["point", "policy", *parameters, "n", *per_metric]


def tidy(value: float) -> float:
    """Twelve significant digits: the mean of two 6-decimal figures keeps all its digits, but
    not the float noise of its last place (0.0310395, not 0.031039500000000003)."""
    return float(f"{value:.12g}") if math.isfinite(value) else value


def point_rows(
    runs: Sequence[Mapping[str, Any]], parameters: Sequence[str], metrics: Sequence[str]
) -> list[dict[str, Any]]:
    """One row per (point, policy), in the order they first appear in `runs` (task order)."""
    groups: dict[tuple[Any, str], list[Mapping[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["point"], str(run["policy"])), []).append(run)
    rows = []
    for (point, policy), mine in groups.items():
        row: dict[str, Any] = {"point": point, "policy": policy}
        row.update({p: mine[0][p] for p in parameters})
        row["n"] = len(mine)
        for metric in metrics:
            cell = interval([float(r[metric]) for r in mine])
            row[mean_column(metric)] = tidy(cell.mean)
            row[half_width_column(metric)] = tidy(cell.half_width)
        rows.append(row)
    return rows
