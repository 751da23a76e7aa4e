"""A grid's figure draws the per-point means as lines, one per combination of the other
parameters' values (and policy), with the values in the legend; a Latin hypercube keeps the
scatter of runs. Checked on matplotlib's objects, not on pixels."""

from __future__ import annotations

import itertools
import math
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from app.sim.plots import png_bytes
from app.sim.sweep_plots import grid_means_figure, sweep_plot
from app.sim.sweep_summary import point_rows

X, Y = "section.x", "section.y"


def grid_points(policies: tuple[str, ...] = ("p",)) -> list[dict[str, Any]]:
    """Two values of x by three of y; the mean of m is 10 * x + y (+ 100 for a second policy)."""
    runs = []
    for i, (x, y) in enumerate(itertools.product((1, 2), (0.1, 0.2, 0.3))):
        for k, policy in enumerate(policies):
            for jitter in (-1.0, 1.0):  # two replications around the mean
                m = 10 * x + y + 100 * k + jitter
                runs.append({"point": i, "policy": policy, X: x, Y: y, "m": m})
    return point_rows(runs, [X, Y], ["m"])


def labelled(ax: Axes) -> dict[str, Any]:
    handles, labels = ax.get_legend_handles_labels()
    return dict(zip(labels, handles, strict=True))


def test_one_line_per_value_of_the_other_parameter() -> None:
    fig = grid_means_figure([X, Y], ["m"], grid_points())
    # Row by row: the metric's panel, then the row's legend.
    against_x, legend_axes, against_y = fig.axes[0], fig.axes[1], fig.axes[2]
    assert sorted(labelled(against_x)) == ["y=0.1", "y=0.2", "y=0.3"]
    assert sorted(labelled(against_y)) == ["x=1", "x=2"]
    # Each line holds its other parameter and runs through the means, in x order.
    line = labelled(against_x)["y=0.2"]
    assert list(line.get_xdata()) == [1.0, 2.0]
    assert [round(v, 9) for v in line.get_ydata()] == [10.2, 20.2]
    legend = legend_axes.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["y=0.1", "y=0.2", "y=0.3"]
    plt.close(fig)


def test_several_policies_get_lines_of_their_own() -> None:
    fig = grid_means_figure([X, Y], ["m"], grid_points(("a", "b")))
    against_y = fig.axes[2]
    assert sorted(labelled(against_y)) == ["a, x=1", "a, x=2", "b, x=1", "b, x=2"]
    assert list(labelled(against_y)["b, x=2"].get_ydata()) == [120.1, 120.2, 120.3]
    # The same slice under the two policies: one colour, two dashes.
    a, b = labelled(against_y)["a, x=2"], labelled(against_y)["b, x=2"]
    assert a.get_color() == b.get_color() and a.get_linestyle() != b.get_linestyle()
    plt.close(fig)


def test_error_bars_are_the_half_widths() -> None:
    points = grid_points()
    fig = grid_means_figure([X, Y], ["m"], points)
    # errorbar's vertical segments: one per point of the line, mean ± half-width.
    bars = fig.axes[0].collections[0].get_segments()
    half = points[0]["m_half_width"]
    assert math.isfinite(half) and half > 0
    (x0, low), (_, high) = bars[0]
    assert (x0, round(low, 9), round(high, 9)) == (
        1.0,
        round(10.1 - half, 9),
        round(10.1 + half, 9),
    )
    plt.close(fig)


def test_a_count_s_error_bar_stops_at_zero() -> None:
    # `shares` is a count (the metric catalogue says non-negative); `m` is not catalogued.
    runs = [
        {"point": i, "policy": "p", X: x, Y: 0.1, "shares": s, "m": s}
        for i, x in enumerate((1, 2))
        for s in (0.0, 4.0)  # mean 2, half-width 12.7: the interval reaches -10.7
    ]
    points = point_rows(runs, [X, Y], ["shares", "m"])
    fig = grid_means_figure([X, Y], ["shares", "m"], points)
    (_, low), (_, high) = fig.axes[0].collections[0].get_segments()[0]
    assert (low, round(high, 6)) == (0.0, round(2 + points[0]["shares_half_width"], 6))
    (_, low), _ = fig.axes[1].collections[0].get_segments()[0]
    assert low < -10  # not a count: drawn as it is
    plt.close(fig)


def test_an_infinite_mean_is_marked_not_drawn_as_a_number() -> None:
    points = grid_points()
    points[0]["m_mean"] = math.inf
    points[0]["m_half_width"] = math.nan
    fig = grid_means_figure([X, Y], ["m"], points)
    line = labelled(fig.axes[0])["y=0.1"]
    assert math.isnan(line.get_ydata()[0])
    assert [t.get_text() for t in fig.axes[0].texts] == ["∞"]
    plt.close(fig)


def test_a_latin_hypercube_keeps_the_scatter_of_runs() -> None:
    runs = [{"point": i, "policy": "p", X: 0.1 * i, Y: 0.3, "m": float(i)} for i in range(5)]
    points = point_rows(runs, [X, Y], ["m"])
    fig = sweep_plot("latin-hypercube", [X, Y], ["m"], runs, points)
    ax = fig.axes[0]
    assert not ax.get_lines()
    assert len(ax.collections[0].get_offsets()) == 5
    plt.close(fig)


def test_the_grid_figure_is_the_same_bytes_twice() -> None:
    first = png_bytes(grid_means_figure([X, Y], ["m"], grid_points(("a", "b"))))
    assert first == png_bytes(grid_means_figure([X, Y], ["m"], grid_points(("a", "b"))))
