"""A count's interval is drawn stopping at 0, and the report says which bars were clipped."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.container import ErrorbarContainer

from app.sim.compare_report import clipped_bars, key_metrics_text
from app.sim.plots import comparison_figure

METRIC = "releases_without_consent"
MEANS = {(METRIC, "a"): 1.0, (METRIC, "b"): 5.0, (METRIC, "c"): math.inf}
HALVES = {(METRIC, "a"): 3.0, (METRIC, "b"): 1.0, (METRIC, "c"): math.nan}


def drawn_intervals(non_negative: list[str]) -> list[tuple[float, float]]:
    """(bottom, top) of each bar's error line, in policy order."""
    fig = comparison_figure([METRIC], ["a", "b", "c"], MEANS, HALVES, non_negative)
    (errors,) = [c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)]
    (lines,) = errors.lines[2]
    plt.close(fig)
    return [(float(np.min(s[:, 1])), float(np.max(s[:, 1]))) for s in lines.get_segments()]


def test_an_interval_below_zero_is_drawn_from_zero() -> None:
    assert drawn_intervals([METRIC]) == [(0.0, 4.0), (4.0, 6.0), (0.0, 0.0)]


def test_without_the_floor_the_real_interval_is_drawn() -> None:
    assert drawn_intervals([])[0] == (-2.0, 4.0)


def test_the_report_names_the_clipped_bars() -> None:
    clipped = clipped_bars([METRIC], ["a", "b", "c"], MEANS, HALVES)
    assert clipped == [(METRIC, "a")]
    assert "clipped at 0 (releases_without_consent, a)" in key_metrics_text(clipped)
    assert "compare.csv keeps the real interval" in key_metrics_text(clipped)
    assert "clipped" not in key_metrics_text([])
    # A metric the catalogue does not know could be negative: nothing is said to be clipped.
    unknown = {("x", "a"): 1.0}
    assert clipped_bars(["x"], ["a"], unknown, {("x", "a"): 3.0}) == []
