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

from app.sim.metric_catalog import info
from app.sim.outputs import fmt
from app.sim.plots import lower_error, sweep_figure
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


# A line's colour names the other parameters' values and its dash the policy, so the same
# slice of the grid under two policies reads as a pair (with one parameter alone, colour names
# the policy too); markers change every ten colours, where matplotlib's colour cycle repeats.
DASHES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v")


def _style(combination: int, policy: int) -> dict[str, Any]:
    return {
        "color": f"C{combination % 10}",
        "marker": MARKERS[combination // 10 % len(MARKERS)],
        "linestyle": DASHES[policy % len(DASHES)],
    }


def _draw(
    ax: Axes,
    xs: list[float],
    means: list[float],
    halves: list[float],
    style: dict[str, Any],
    label: str,
    non_negative: bool = False,
) -> None:
    # An infinite mean cannot sit on the axis: leave a gap in the line and mark ∞ at the top,
    # or the gap would read as a missing point.
    shown = [m if math.isfinite(m) else math.nan for m in means]
    ax.plot(xs, shown, markersize=4, label=label, **style)
    colour = style["color"]
    bars = [
        (x, m, h)
        for x, m, h in zip(xs, means, halves, strict=True)
        if math.isfinite(m) and math.isfinite(h)
    ]
    if bars:
        bx, bm, bh = zip(*bars, strict=True)
        # A count's bar stops at 0, as compare's do (the report says so).
        below = [lower_error(m, h, non_negative) for m, h in zip(bm, bh, strict=True)]
        yerr = [below, list(bh)]
        ax.errorbar(bx, bm, yerr=yerr, fmt="none", ecolor=colour, capsize=3, linewidth=1)
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
    parameters: Sequence[str],
    metrics: Sequence[str],
    points: Sequence[Row],
    differences_from: str | None = None,
) -> Figure:
    """One panel per (parameter, metric): per-point means ± 95% half-width, one line per
    combination of the other parameters' values and per policy. With `differences_from`, the
    rows hold each policy's paired difference from that baseline (sweep_differences.py): a
    line at 0, and no bar clipped (a difference may well be negative)."""
    policies = list(dict.fromkeys(str(r["policy"]) for r in points))
    several = len(policies) > 1
    names = short_names(parameters)
    # A last, empty column holds each row's legend: inside a panel, a long legend hides lines.
    fig, axes = plt.subplots(
        len(parameters),
        len(metrics) + 1,
        figsize=(4.2 * len(metrics) + 3.6, 3.2 * len(parameters)),
        squeeze=False,
        gridspec_kw={"width_ratios": [*([4.2] * len(metrics)), 3.6]},
    )
    for i, parameter in enumerate(parameters):
        others = [p for p in parameters if p != parameter]
        axis = _axis([r[parameter] for r in points])

        def x_of(value: Any, axis: Any = axis) -> float:
            return float(value) if axis is None else float(axis[0][fmt(value)])

        lines = _lines(points, parameter, others)
        combinations = list(dict.fromkeys(values for _, values in lines))
        # The legend lists one policy's lines, then the next's.
        order = sorted(lines, key=lambda k: (policies.index(k[0]), combinations.index(k[1])))
        for j, metric in enumerate(metrics):
            ax = axes[i][j]
            for policy, values in order:
                ordered = sorted(lines[(policy, values)], key=lambda r: x_of(r[parameter]))
                _draw(
                    ax,
                    [x_of(r[parameter]) for r in ordered],
                    [float(r[mean_column(metric)]) for r in ordered],
                    [float(r[half_width_column(metric)]) for r in ordered],
                    # With no other parameter to tell lines apart, colour tells the policies.
                    _style(
                        combinations.index(values)
                        if len(combinations) > 1
                        else policies.index(policy),
                        policies.index(policy),
                    ),
                    _label(policy, others, values, names, several),
                    differences_from is None and info(metric).non_negative,
                )
            if differences_from is not None:
                ax.axhline(0.0, color="0.4", linewidth=1)
            if axis is not None:
                ax.set_xticks(axis[1], axis[2], fontsize=7)
            ax.set_xlabel(parameter, fontsize=8)
            what = "(mean, 95% CI)" if differences_from is None else f"minus {differences_from}"
            ax.set_title(f"{metric.replace('_', ' ')} {what}", fontsize=9)
            ax.grid(alpha=0.3)
        # The lines differ from one parameter (row) to the next, so each row has its legend.
        legend_axes = axes[i][len(metrics)]
        legend_axes.axis("off")
        handles, labels = axes[i][0].get_legend_handles_labels()
        legend_axes.legend(handles, labels, loc="center left", fontsize=7, frameon=False)
    fig.tight_layout()
    return fig
