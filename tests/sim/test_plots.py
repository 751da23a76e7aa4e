"""The comparison plot shows an infinite figure as such, not as an empty slot read as zero."""

from __future__ import annotations

import math

from app.sim.plots import comparison_figure, tick_labels


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


LONG = "/home/researcher/studies/2026-moderation/policies/drafts/pbd-moderated.toml"


def test_a_policy_file_named_by_a_long_path_is_labelled_by_its_file_name() -> None:
    # tight_layout warns (an error under pytest's filters) when the labels leave no width.
    metrics = ["a", "b", "c"]
    policies = [LONG, "privacy-by-design"]
    fig = comparison_figure(
        metrics,
        policies,
        means={(m, p): 1.0 for m in metrics for p in policies},
        half_widths={(m, p): 0.1 for m in metrics for p in policies},
    )
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["pbd-moderated.toml", "privacy-by-design"]


def test_labels_that_would_read_alike_keep_their_folders_end() -> None:
    labels = tick_labels(["/a/x.toml", "/b/x.toml", "p" * 40])
    assert labels == ["/a/x.toml", "/b/x.toml", "…" + "p" * 27]
