"""The differences figure draws what differences.csv holds: each policy's interval as a bar
around its mean, against a line at 0, and says n/a where no pair was finite."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from app.sim.batch import RunOutcome, RunTask
from app.sim.difference_plot import differences_figure
from app.sim.differences import paired_differences


def outcome(policy: str, seed: int, **summary: float) -> RunOutcome:
    return RunOutcome(RunTask(Path(f"runs/{policy}/{seed}"), {}, seed, policy), summary, [], False)


def three_policies() -> list[RunOutcome]:
    runs = []
    for seed, base in enumerate((10.0, 20.0, 30.0)):
        runs.append(outcome("base", seed, shares=base, ratio=2.0))
        runs.append(outcome("up", seed, shares=base + 2 + seed, ratio=math.inf))
        runs.append(outcome("down", seed, shares=base - 5 + seed, ratio=3.0))
    return runs


def test_each_policy_s_bar_is_its_paired_interval() -> None:
    d = paired_differences("base", ["base", "up", "down"], ["shares", "ratio"], three_policies())
    fig = differences_figure(d, ["shares", "ratio"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["up", "down"]
    # errorbar's horizontal segments, one per policy: (low, y) to (high, y).
    drawn = [seg for c in ax.collections for seg in c.get_segments()]
    for y, policy in enumerate(("up", "down")):
        cell = d.cells[("shares", policy)].finite
        assert cell is not None
        (low, _), (high, _) = next(s for s in drawn if s[0][1] == y)
        assert (low, high) == (pytest.approx(cell.low), pytest.approx(cell.high))
    assert any(list(line.get_xdata()) == [0.0, 0.0] for line in ax.lines)  # the zero line
    # `up` has no finite pair for the ratio: said, not drawn.
    # `down` has all three, and `up` none: a part of the pairs would be named on the dot.
    assert [t.get_text() for t in fig.axes[1].texts] == ["n/a"]
    plt.close(fig)


def test_a_mean_over_some_pairs_says_how_many() -> None:
    runs = three_policies()
    runs[1] = outcome("up", 0, shares=12.0, ratio=5.0)  # one finite pair of three for `up`
    d = paired_differences("base", ["base", "up", "down"], ["ratio"], runs)
    fig = differences_figure(d, ["ratio"])
    assert [t.get_text() for t in fig.axes[0].texts] == ["1 of 3 pairs"]
    plt.close(fig)


def test_compare_writes_the_figure_into_the_report_and_the_manifest(tmp_path: Path) -> None:
    from tests.sim.test_compare_outputs import run

    code, output, out = run(tmp_path, "--replications", "2")
    assert code == 0, output
    png = (out / "differences.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    manifest = json.loads((out / "manifest.json").read_text())
    assert "differences.png" in json.dumps(manifest)
    report = (out / "report.html").read_text()
    section = report[report.index("Differences from") : report.index("Key metrics")]
    assert 'alt="key metrics minus privacy-by-design"' in section
