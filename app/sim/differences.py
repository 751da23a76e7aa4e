"""Paired differences from a baseline policy, replication by replication.

Every policy runs on the same replication seeds (common random numbers), so replication r of
policy A and replication r of the baseline share the city, the incidents and the residents'
draws. The difference A - baseline taken within each replication removes that shared noise;
its Student-t interval is the right one for "does A change this metric?", and is usually far
narrower than what the two policies' separate intervals suggest.

A max/min fairness ratio is inf when a group got nothing. A difference with an infinite side is
undefined (inf - inf) or infinite, and one such replication would make the mean infinite and
the interval unknown, hiding what the other replications say. So a pair counts only when both
values are finite; the number of pairs used is always shown beside the result, and a metric
with no finite pair is shown as n/a.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from app.sim.batch import RunOutcome
from app.sim.intervals import Interval, interval, readable, rounded
from app.sim.metric_catalog import info

COLUMNS = [
    "metric",
    "policy",
    "baseline",
    "pairs",
    "finite_pairs",
    "mean_difference",
    "ci_low",
    "ci_high",
    "excludes_zero",
    "group",
]
# Given, not inferred from the rows: a comparison where no interval exists still writes a
# boolean column (all null), not a string one.
TYPES = {
    "metric": pa.string(),
    "policy": pa.string(),
    "baseline": pa.string(),
    "pairs": pa.int64(),
    "finite_pairs": pa.int64(),
    "mean_difference": pa.float64(),
    "ci_low": pa.float64(),
    "ci_high": pa.float64(),
    "excludes_zero": pa.bool_(),
    "group": pa.string(),
}


@dataclass(frozen=True)
class Difference:
    pairs: int  # replications compared
    finite: Interval | None  # over the pairs where both values are finite; None if there is none

    @property
    def used(self) -> int:
        return 0 if self.finite is None else self.finite.n

    @property
    def excludes_zero(self) -> bool | None:
        """Whether the 95% interval lies wholly above or below 0; None without an interval."""
        if self.finite is None or math.isnan(self.finite.half_width):
            return None
        return self.finite.low > 0 or self.finite.high < 0


def paired(baseline: Sequence[float], other: Sequence[float]) -> Difference:
    """other - baseline, replication by replication, over the pairs that are both finite."""
    if len(baseline) != len(other):
        raise ValueError("paired differences need one value per replication on each side")
    pairs = zip(baseline, other, strict=True)
    diffs = [o - b for b, o in pairs if math.isfinite(b) and math.isfinite(o)]
    return Difference(len(baseline), interval(diffs) if diffs else None)


def _by_seed(outcomes: Sequence[RunOutcome], policy: str, metric: str) -> dict[int, float]:
    # A refusal code no run of this policy met is simply absent from its summaries: zero.
    return {
        o.task.seed: float(o.summary.get(metric, 0.0))
        for o in outcomes
        if o.task.policy_label() == policy
    }


@dataclass
class Differences:
    baseline: str
    policies: list[str]  # the others, in --policies order
    metrics: list[str]
    cells: dict[tuple[str, str], Difference]

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for m in self.metrics:
            for p in self.policies:
                cell = self.cells[(m, p)]
                mean = low = high = math.nan
                if cell.finite is not None:
                    mean, low, high = cell.finite.mean, cell.finite.low, cell.finite.high
                row: dict[str, Any] = {
                    "metric": m,
                    "policy": p,
                    "baseline": self.baseline,
                    "pairs": cell.pairs,
                    "finite_pairs": cell.used,
                    "mean_difference": rounded(mean),
                    "ci_low": rounded(low),
                    "ci_high": rounded(high),
                    "group": info(m).group,
                }
                # Left out when unknown: an empty CSV cell and a null in Parquet, not "None".
                if cell.excludes_zero is not None:
                    row["excludes_zero"] = cell.excludes_zero
                rows.append(row)
        return rows

    def display(self, metric: str, policy: str) -> str:
        return difference_text(self.cells[(metric, policy)])


def difference_text(cell: Difference) -> str:
    """`+1.2 ± 0.5 *` (* : the interval excludes 0), `+3, no interval`, or `n/a`; with the
    count of pairs used when a non-finite value left some out."""
    if cell.finite is None:
        return f"n/a (0 of {cell.pairs} pairs finite)"
    text = signed(cell.finite.mean)
    if math.isnan(cell.finite.half_width):
        text += ", no interval"
    else:
        text += f" ± {readable(cell.finite.half_width)}"
        text += " *" if cell.excludes_zero else ""
    if cell.used < cell.pairs:
        text += f" ({cell.used} of {cell.pairs} pairs)"
    return text


def signed(value: float) -> str:
    text = readable(value)
    return f"+{text}" if value > 0 else text


def paired_differences(
    baseline: str, policies: Sequence[str], metrics: Sequence[str], outcomes: list[RunOutcome]
) -> Differences:
    """Every non-baseline policy against the baseline, pairing replications by their seed."""
    others = [p for p in policies if p != baseline]
    cells = {}
    for m in metrics:
        base = _by_seed(outcomes, baseline, m)
        for p in others:
            mine = _by_seed(outcomes, p, m)
            if sorted(mine) != sorted(base):
                raise ValueError(f"{p} and {baseline} did not run on the same replications")
            seeds = sorted(base)
            cells[(m, p)] = paired([base[s] for s in seeds], [mine[s] for s in seeds])
    return Differences(baseline, others, list(metrics), cells)
