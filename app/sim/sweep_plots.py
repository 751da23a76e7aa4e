"""A sweep's figure: for a grid, the per-point means with their 95% intervals as lines; for a
Latin hypercube, whose values rarely repeat, every run as a point (plots.sweep_figure).

A grid panel draws one metric against one parameter; every other parameter is held at one of
its values per line, so a line is a one-parameter slice of the grid and the legend names the
values it holds (and the policy, when there are several).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from app.sim.outputs import fmt
from app.sim.plots import sweep_figure
from app.sim.sweep_display import short_names
from app.sim.sweep_summary import half_width_column, mean_column

Row = Mapping[str, Any]


def sweep_plot(
    method: str,
    parameters: Sequence[str],
    metrics: Sequence[str],
    runs: Sequence[Row],
    points: Sequence[Row],
) -> Figure:
    if method == "grid":
        return grid_means_figure(parameters, metrics, points)
    return sweep_figure(parameters, metrics, runs)


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _axis(values: Sequence[Any]) -> tuple[dict[str, float], list[float], list[str]] | None:
    """Where each value sits on the x axis. Numbers sit at themselves; anything else (a string,
    a table) at its rank in the grid, labelled: returns the positions, ticks and labels."""
    distinct = list(dict.fromkeys(fmt(v) for v in values))
    if all(_numeric(v) for v in values):
        return None
    positions = {text: float(i) for i, text in enumerate(distinct)}
    return positions, list(positions.values()), distinct


def _lines(
    points: Sequence[Row], parameter: str, others: Sequence[str]
) -> dict[tuple[str, tuple[str, ...]], list[Row]]:
    """The points of each line: same policy, same values of every other parameter. Keys are
    text (fmt) so that a grid value that is a list or a table can still name a line."""
    lines: dict[tuple[str, tuple[str, ...]], list[Row]] = {}
    for row in points:
        key = (str(row["policy"]), tuple(fmt(row[o]) for o in others))
        lines.setdefault(key, []).append(row)
    return lines


def _label(
    policy: str, held: Sequence[str], values: Sequence[str], names: Mapping[str, str], several: bool
) -> str:
    parts = ([policy] if several else []) + [
        f"{names[h]}={v}" for h, v in zip(held, values, strict=True)
    ]
    return ", ".join(parts) or policy


def _draw(
    ax: Axes, xs: list[float], means: list[float], halves: list[float], colour: str, label: str
) -> None:
    # An infinite mean cannot sit on the axis: leave a gap in the line and mark ∞ at the top,
    # or the gap would read as a missing point.
    shown = [m if math.isfinite(m) else math.nan for m in means]
    ax.plot(xs, shown, marker="o", markersize=4, color=colour, label=label)
    bars = [
        (x, m, h)
        for x, m, h in zip(xs, means, halves, strict=True)
        if math.isfinite(m) and math.isfinite(h)
    ]
    if bars:
        bx, bm, bh = zip(*bars, strict=True)
        ax.errorbar(bx, bm, yerr=bh, fmt="none", ecolor=colour, capsize=3, linewidth=1)
    for x, m in zip(xs, means, strict=True):
        if not math.isfinite(m):
            ax.annotate(
                "∞" if m > 0 else "n/a",
                (x, 1.0),
                xycoords=("data", "axes fraction"),
                ha="center",
                va="top",
                color=colour,
            )


def grid_means_figure(
    parameters: Sequence[str], metrics: Sequence[str], points: Sequence[Row]
) -> Figure:
    """One panel per (parameter, metric): per-point means ± 95% half-width, one line per
    combination of the other parameters' values and per policy."""
    several = len({str(r["policy"]) for r in points}) > 1
    names = short_names(parameters)
    fig, axes = plt.subplots(
        len(parameters),
        len(metrics),
        figsize=(4.2 * len(metrics), 3.2 * len(parameters)),
        squeeze=False,
    )
    for i, parameter in enumerate(parameters):
        others = [p for p in parameters if p != parameter]
        axis = _axis([r[parameter] for r in points])

        def x_of(value: Any, axis: Any = axis) -> float:
            return float(value) if axis is None else float(axis[0][fmt(value)])

        lines = _lines(points, parameter, others)
        for j, metric in enumerate(metrics):
            ax = axes[i][j]
            for k, ((policy, values), mine) in enumerate(lines.items()):
                ordered = sorted(mine, key=lambda r: x_of(r[parameter]))
                _draw(
                    ax,
                    [x_of(r[parameter]) for r in ordered],
                    [float(r[mean_column(metric)]) for r in ordered],
                    [float(r[half_width_column(metric)]) for r in ordered],
                    f"C{k % 10}",
                    _label(policy, others, values, names, several),
                )
            if axis is not None:
                ax.set_xticks(axis[1], axis[2], fontsize=7)
            ax.set_xlabel(parameter, fontsize=8)
            ax.set_title(f"{metric.replace('_', ' ')} (mean, 95% CI)", fontsize=9)
            ax.grid(alpha=0.3)
        # The lines differ from one parameter (row) to the next, so each row has its legend.
        axes[i][0].legend(fontsize=7)
    fig.tight_layout()
    return fig
