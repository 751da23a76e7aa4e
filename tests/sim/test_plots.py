"""The comparison plot shows an infinite figure as such, not as an empty slot read as zero."""

from __future__ import annotations

import math

from app.sim.plots import comparison_figure


def texts(metric: str, value: float) -> list[str]:
    fig = comparison_figure(
        [metric],
        ["a", "b"],
        means={(metric, "a"): value, (metric, "b"): 2.0},
        half_widths={(metric, "a"): math.nan, (metric, "b"): 0.5},
    )
    return [t.get_text() for t in fig.axes[0].texts]


def test_an_infinite_ratio_is_marked() -> None:
    assert texts("notices_per_1000_max_min_ratio", math.inf) == ["∞"]


def test_a_finite_figure_gets_no_mark() -> None:
    assert texts("notices_per_1000_max_min_ratio", 3.0) == []
