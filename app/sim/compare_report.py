"""The comparison's report.html sections: means and differences by metric group, a glossary.

Rows are grouped as the catalogue groups them (app/sim/metric_catalog.py): a one-cell row is a
group's heading (report.py spans it across the table).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from app.sim.differences import Differences
from app.sim.metric_catalog import by_group, info
from app.sim.report import Section

CLIPPED_NOTE = (
    "Bars are means with 95% intervals. No metric here can be negative, so an interval "
    "reaching below 0 is drawn clipped at 0 ({clipped}); this is display only: compare.csv "
    "keeps the real interval."
)


def grouped_rows(metrics: Sequence[str], cells: Callable[[str], list[str]]) -> list[list[str]]:
    rows: list[list[str]] = []
    for group, members in by_group(metrics):
        rows.append([group])
        rows.extend([m, *cells(m)] for m in members)
    return rows


def differences_section(
    differences: Differences, replications: int, figure: bytes | None = None
) -> Section:
    d = differences
    if replications < 2:
        how = "With one replication there is no interval: each cell is that one difference."
    else:
        how = (
            "Mean over replications of (policy - baseline), each replication on the same city "
            "and seeds, ± the half-width of the Student-t 95% interval of those paired "
            "differences; * marks an interval that excludes 0."
        )
    text = (
        f"{how} A replication where either value is not finite (a max/min ratio is inf when a "
        "group got nothing) is left out of that metric's difference; the cell then says how "
        "many pairs were used, and n/a when none was."
    )
    return Section(
        f"Differences from {d.baseline}",
        text=text,
        columns=["metric", *d.policies],
        rows=grouped_rows(d.metrics, lambda m: [d.display(m, p) for p in d.policies]),
        images=[] if figure is None else [(f"key metrics minus {d.baseline}", figure)],
    )


def glossary_section(metrics: Sequence[str]) -> Section:
    return Section(
        "Glossary",
        text="Every metric in the tables, by group; the key is the identifier used in the CSVs.",
        columns=["metric", "label", "definition"],
        rows=grouped_rows(metrics, lambda m: [info(m).label, info(m).definition]),
        text_table=True,
    )


def clipped_bars(
    metrics: Sequence[str],
    policies: Sequence[str],
    means: dict[tuple[str, str], float],
    half_widths: dict[tuple[str, str], float],
) -> list[tuple[str, str]]:
    """The (metric, policy) bars whose interval goes below 0 on a metric that cannot."""
    return [
        (m, p)
        for m in metrics
        for p in policies
        if info(m).non_negative
        and math.isfinite(means[(m, p)] - half_widths[(m, p)])
        and means[(m, p)] - half_widths[(m, p)] < 0
    ]


def key_metrics_text(clipped: Sequence[tuple[str, str]]) -> str:
    if not clipped:
        return "Bars are means with 95% intervals."
    return CLIPPED_NOTE.format(clipped="; ".join(f"{m}, {p}" for m, p in clipped))
