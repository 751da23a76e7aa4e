"""How a sweep's per-point summaries read: short parameter names, `mean ± half-width` cells,
the console table printed at the end of `consentgate sweep`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from app.sim.intervals import readable
from app.sim.outputs import fmt
from app.sim.sweep_summary import KEY_METRICS, half_width_column, mean_column

# Beyond this many points the console shows the first ones and points to points.csv.
CONSOLE_ROWS = 30
ONE_REPLICATION = "one replication per point: means alone, no interval"


def short_names(parameters: Sequence[str]) -> dict[str, str]:
    """Each dotted key without its scenario section (`resident_behaviour.`), which is long and
    rarely tells two parameters apart; the full key where dropping it would make two alike.
    Not the last component alone: `share_probability.default` would read as `default`."""
    short = {p: p.split(".", 1)[-1] for p in parameters}
    counts: dict[str, int] = {}
    for name in short.values():
        counts[name] = counts.get(name, 0) + 1
    return {p: name if counts[name] == 1 else p for p, name in short.items()}


def cell(row: Mapping[str, Any], metric: str) -> str:
    """`mean ± half-width`; the mean alone when the interval is unknown (one replication, or
    an infinite value), never `± 0` or `± nan`."""
    mean = float(row[mean_column(metric)])
    half = float(row[half_width_column(metric)])
    return readable(mean) if math.isnan(half) else f"{readable(mean)} ± {readable(half)}"


def shown_metrics(metrics: Sequence[str], limit: int = 4) -> list[str]:
    """Every metric if they fit, else the key ones (the CSV has them all)."""
    if len(metrics) <= limit:
        return list(metrics)
    return [m for m in KEY_METRICS if m in metrics] or list(metrics[:limit])


def points_table(
    rows: Sequence[Mapping[str, Any]], parameters: Sequence[str], metrics: Sequence[str]
) -> Table:
    names = short_names(parameters)
    policies = sorted({str(r["policy"]) for r in rows})
    shown = shown_metrics(metrics)
    single = bool(rows) and all(r["n"] == 1 for r in rows)
    caption = ONE_REPLICATION if single else "mean ± half-width of the Student-t 95% interval"
    if len(shown) < len(metrics):
        caption += "; every metric is in points.csv"
    if len(rows) > CONSOLE_ROWS:
        caption += f"; {len(rows) - CONSOLE_ROWS} more point(s) there"
    table = Table(title="Per point", caption=caption)
    table.add_column("point", justify="right")
    if len(policies) > 1:
        table.add_column("policy")
    for p in parameters:
        table.add_column(names[p], justify="right")
    table.add_column("n", justify="right")
    for m in shown:
        table.add_column(m, justify="right")
    for row in rows[:CONSOLE_ROWS]:
        policy = [str(row["policy"])] if len(policies) > 1 else []
        table.add_row(
            str(row["point"]),
            *policy,
            *(fmt(row[p]) for p in parameters),
            str(row["n"]),
            *(cell(row, m) for m in shown),
        )
    return table


def report_rows(
    rows: Sequence[Mapping[str, Any]], parameters: Sequence[str], metrics: Sequence[str]
) -> list[list[Any]]:
    """The report's per-point table: every metric as `mean ± half-width` text."""
    return [
        [row["point"], row["policy"], *(row[p] for p in parameters), row["n"]]
        + [cell(row, m) for m in metrics]
        for row in rows
    ]
