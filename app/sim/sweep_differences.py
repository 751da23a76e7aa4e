"""Per-point paired differences of a sweep over several policies: at each point, each policy
minus the baseline policy, replication by replication (they share the point's seeds), as
`consentgate compare` takes them (differences.py): finite pairs only, the count kept.

What a researcher sweeping policies asks is how the gap between them moves with a parameter;
the paired interval answers it at each point without the noise both policies share. Derived
from the per-run rows in task order after every run finished, like points.csv, so resumed and
parallel sweeps write the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.sim.differences import Difference, difference_text, paired
from app.sim.sweep_summary import half_width_column, mean_column, tidy

Row = Mapping[str, Any]


@dataclass(frozen=True)
class PointDifference:
    point: Any
    policy: str
    baseline: str
    values: dict[str, Any]  # the point's parameter values
    cells: dict[str, Difference]  # metric -> policy minus baseline over the replications

    def row(self, metrics: Sequence[str]) -> dict[str, Any]:
        """point_differences.csv: the mean difference, its half-width and the pairs used."""
        row: dict[str, Any] = {"point": self.point, "policy": self.policy}
        row["baseline"] = self.baseline
        row.update(self.values)
        row["pairs"] = next(iter(self.cells.values())).pairs if self.cells else 0
        for m in metrics:
            cell = self.cells[m]
            found = cell.finite
            row[difference_column(m)] = tidy(found.mean) if found else float("nan")
            row[difference_half_width_column(m)] = tidy(found.half_width) if found else float("nan")
            row[pairs_used_column(m)] = cell.used
        return row

    def texts(self, metrics: Sequence[str]) -> list[str]:
        return [difference_text(self.cells[m]) for m in metrics]


def difference_column(metric: str) -> str:
    return f"{metric}_difference"


def difference_half_width_column(metric: str) -> str:
    return f"{metric}_difference_half_width"


def pairs_used_column(metric: str) -> str:
    return f"{metric}_pairs_used"


def difference_columns(parameters: Sequence[str], metrics: Sequence[str]) -> list[str]:
    per_metric = [
        c
        for m in metrics
        for c in (difference_column(m), difference_half_width_column(m), pairs_used_column(m))
    ]
    return ["point", "policy", "baseline", *parameters, "pairs", *per_metric]


def point_differences(
    runs: Sequence[Row], parameters: Sequence[str], metrics: Sequence[str], baseline: str
) -> list[PointDifference]:
    """Each non-baseline policy at each point, in the order they first appear in `runs`."""
    by_point: dict[Any, dict[str, dict[int, Row]]] = {}
    for run in runs:
        policies = by_point.setdefault(run["point"], {})
        policies.setdefault(str(run["policy"]), {})[int(run["seed"])] = run
    found = []
    for point, policies in by_point.items():
        base = policies[baseline]
        seeds = sorted(base)
        for policy, mine in policies.items():
            if policy == baseline:
                continue
            if sorted(mine) != seeds:
                raise ValueError(f"point {point}: {policy} and {baseline} ran on other seeds")
            cells = {
                m: paired([float(base[s][m]) for s in seeds], [float(mine[s][m]) for s in seeds])
                for m in metrics
            }
            values = {p: base[seeds[0]][p] for p in parameters}
            found.append(PointDifference(point, policy, baseline, values, cells))
    return found


def as_point_rows(differences: Sequence[PointDifference], metrics: Sequence[str]) -> list[Row]:
    """The differences in points.csv's shape (the difference as the mean), for the grid
    figure, which draws either."""
    rows: list[Row] = []
    for d in differences:
        row: dict[str, Any] = {"point": d.point, "policy": d.policy, **d.values}
        for m in metrics:
            found = d.cells[m].finite
            row[mean_column(m)] = found.mean if found else float("nan")
            row[half_width_column(m)] = found.half_width if found else float("nan")
        rows.append(row)
    return rows
