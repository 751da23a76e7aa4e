"""The comparison's two terminal tables (means, then differences from the baseline), with the
metrics in catalogue groups, a rule between groups."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.table import Table
from rich.text import Text

from app.sim.compare import Comparison
from app.sim.metric_catalog import by_group


def add_grouped_rows(
    table: Table, metrics: Sequence[str], columns: int, cells: Callable[[str], list[str]]
) -> Table:
    for i, (group, members) in enumerate(by_group(metrics)):
        if i:
            table.add_section()
        table.add_row(Text(group, style="bold"), *([""] * columns))
        for m in members:
            table.add_row(m, *cells(m))
    return table


def _table(title: str, policies: Sequence[str], caption: str = "") -> Table:
    table = Table(title=title, caption=caption or None)
    table.add_column("metric", no_wrap=True, min_width=32)
    for name in policies:
        table.add_column(name, justify="right")
    return table


def means_table(result: Comparison, title: str) -> Table:
    table = _table(title, result.policies)
    return add_grouped_rows(
        table,
        result.metrics,
        len(result.policies),
        lambda m: [result.display(m, p) for p in result.policies],
    )


def differences_table(result: Comparison, replications: int) -> Table:
    d = result.differences
    if replications < 2:
        caption = "one replication: no interval, each cell is that one difference"
    else:
        caption = (
            "paired by replication (same seeds); * : the 95% interval excludes 0; "
            "a replication with a non-finite value is left out (pairs used shown)"
        )
    table = _table(f"difference from {d.baseline} (policy - baseline)", d.policies, caption)
    return add_grouped_rows(
        table, d.metrics, len(d.policies), lambda m: [d.display(m, p) for p in d.policies]
    )
