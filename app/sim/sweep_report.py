"""report.html of a sweep: the per-point summaries first, then the figure, then every run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.sim.report import Section, render
from app.sim.sweep_differences import PointDifference
from app.sim.sweep_display import ONE_REPLICATION, report_rows, short_names

Row = Mapping[str, Any]


def sweep_report(
    title: str,
    intro: str,
    method: str,
    parameters: Sequence[str],
    metrics: Sequence[str],
    runs: Sequence[Row],
    points: Sequence[Row],
    figure: bytes,
    differences: Sequence[PointDifference] = (),
    differences_figure: bytes | None = None,
) -> bytes:
    # Headers show the short parameter names (the full dotted key on hover); the cells and the
    # CSV keep the full keys.
    names = short_names(parameters)
    titles = {names[p]: p for p in parameters}
    shown = [names[p] for p in parameters]
    single = bool(points) and all(p["n"] == 1 for p in points)
    summary_text = (
        ONE_REPLICATION
        if single
        else "Mean ± half-width of the Student-t 95% interval over the replications (n); the "
        "mean alone where the interval is unknown: one replication, or an infinite value in "
        "some replication (the mean is then inf; the runs below show which)."
    )
    run_columns = ["point", "policy", "replication", "seed", *parameters, *metrics]
    return render(
        title,
        intro,
        [
            Section(
                "Per point",
                summary_text,
                columns=["point", "policy", *shown, "n", *metrics],
                rows=report_rows(points, parameters, metrics),
                column_titles=titles,
            ),
            *(
                [_differences_section(differences, parameters, titles, metrics, differences_figure)]
                if differences
                else []
            ),
            Section(
                "Means against each parameter"
                if method == "grid"
                else "Each run against each parameter",
                # The grid figure's error bars of a count stop at 0 (sweep_plots._draw).
                "No count can be negative: an interval reaching below 0 is drawn stopping at 0 "
                "(display only; points.csv keeps the real interval)."
                if method == "grid"
                else "",
                images=[("sweep", figure)],
            ),
            Section(
                "Runs",
                columns=["point", "policy", "replication", "seed", *shown, *metrics],
                rows=[[r[c] for c in run_columns] for r in runs],
                column_titles=titles,
            ),
        ],
    )


def _differences_section(
    differences: Sequence[PointDifference],
    parameters: Sequence[str],
    titles: Mapping[str, str],
    metrics: Sequence[str],
    figure: bytes | None,
) -> Section:
    baseline = differences[0].baseline
    return Section(
        f"Differences from {baseline}, per point",
        "At each point, each policy minus the baseline, replication by replication (the same "
        "seeds), ± the half-width of the Student-t 95% interval of those paired differences; "
        "* marks an interval that excludes 0. A replication with a non-finite value on either "
        "side is left out (the cell says how many pairs were used).",
        columns=["point", "policy", *titles, *metrics],
        rows=[
            [d.point, d.policy, *(d.values[p] for p in parameters), *d.texts(metrics)]
            for d in differences
        ],
        column_titles=titles,
        images=[] if figure is None else [("differences against each parameter", figure)],
    )
