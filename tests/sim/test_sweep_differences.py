"""A sweep over several policies: per point, each policy minus the baseline, paired by seed,
with the baseline checked up front and the table written beside points.csv."""

from __future__ import annotations

import csv
import math
import statistics
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.sim.scenario import ScenarioError
from app.sim.sweep import load_sweep
from app.sim.sweep_differences import as_point_rows, point_differences
from app.sim.sweep_plots import grid_means_figure
from tests.sim.test_sweep import write_sweep

T_975_2 = 4.302653  # Student t, 97.5th percentile, 2 degrees of freedom (a printed table)


def run(point: int, policy: str, seed: int, m: float) -> dict[str, Any]:
    return {"point": point, "policy": policy, "seed": seed, "x": 0.1 * point, "m": m}


def test_each_point_pairs_by_seed_against_the_baseline() -> None:
    runs = [
        *(run(0, "base", s, v) for s, v in ((7, 10.0), (8, 20.0), (9, 30.0))),
        # Listed in another seed order: the pairing must follow the seed, not the position.
        *(run(0, "new", s, v) for s, v in ((9, 33.0), (7, 12.0), (8, 21.0))),
        *(run(1, "base", s, 5.0) for s in (7, 8, 9)),
        *(run(1, "new", s, 5.0 + s) for s in (7, 8, 9)),
    ]
    found = point_differences(runs, ["x"], ["m"], "base")
    assert [(d.point, d.policy, d.values) for d in found] == [
        (0, "new", {"x": 0.0}),
        (1, "new", {"x": 0.1}),
    ]
    row = found[0].row(["m"])
    # Differences 2, 1, 3: mean 2, standard deviation 1.
    assert row["m_difference"] == pytest.approx(2.0)
    assert row["m_difference_half_width"] == pytest.approx(T_975_2 / math.sqrt(3), rel=1e-6)
    assert row["pairs"] == row["m_pairs_used"] == 3
    assert found[0].texts(["m"]) == ["+2 ± 2.48"]
    assert found[1].row(["m"])["m_difference"] == pytest.approx(8.0)  # 7, 8, 9


def test_the_gap_figure_draws_the_differences_unclipped_against_zero() -> None:
    # `shares` is a count, but a difference of counts may be negative: no bar stops at 0.
    runs = [run(p, "base", s, 10.0 + s) for p in (0, 1) for s in (1, 2, 3)]
    runs += [run(p, "new", s, 4.0 + s * s) for p in (0, 1) for s in (1, 2, 3)]
    runs = [{**r, "shares": r["m"]} for r in runs]
    found = point_differences(runs, ["x"], ["shares"], "base")
    fig = grid_means_figure(["x"], ["shares"], as_point_rows(found, ["shares"]), "base")
    ax = fig.axes[0]
    (_, low), (_, high) = ax.collections[0].get_segments()[0]
    cell = found[0].cells["shares"].finite  # differences -5, -4, -1
    assert cell is not None and cell.low < 0
    assert (low, high) == (pytest.approx(cell.low), pytest.approx(cell.high))
    assert any(list(line.get_ydata()) == [0.0, 0.0] for line in ax.lines)  # the zero line
    assert ax.get_title() == "shares minus base"
    plt.close(fig)


def test_a_non_finite_replication_is_left_out_and_counted() -> None:
    runs = [run(0, "base", s, v) for s, v in ((1, 1.0), (2, math.inf), (3, 2.0))]
    runs += [run(0, "new", s, v) for s, v in ((1, 2.0), (2, 4.0), (3, 4.0))]
    (found,) = point_differences(runs, ["x"], ["m"], "base")
    row = found.row(["m"])
    assert (row["m_difference"], row["m_pairs_used"], row["pairs"]) == (1.5, 2, 3)
    assert found.texts(["m"]) == ["+1.5 ± 6.35 (2 of 3 pairs)"]


GRID = """
replications = 3
policies = ["privacy-by-design", "tests.sim.worlds:LEAKY"]
baseline = "tests.sim.worlds:LEAKY"
[parameters]
"resident_behaviour.share_probability.default" = [0.1, 0.3]
"""


def test_the_sweep_writes_the_differences_of_its_own_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["sweep", str(write_sweep(tmp_path, GRID)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "paired differences from tests.sim.worlds:LEAKY" in result.output
    with (out / "sweep.csv").open() as f:
        runs = list(csv.DictReader(f))
    with (out / "point_differences.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["point"], r["policy"], r["baseline"]) for r in rows] == [
        ("0", "privacy-by-design", "tests.sim.worlds:LEAKY"),
        ("1", "privacy-by-design", "tests.sim.worlds:LEAKY"),
    ]
    for row in rows:
        here = [r for r in runs if r["point"] == row["point"]]
        pbd = {r["seed"]: r for r in here if r["policy"] == "privacy-by-design"}
        leaky = {r["seed"]: r for r in here if r["policy"] == "tests.sim.worlds:LEAKY"}
        assert sorted(pbd) == sorted(leaky) and len(pbd) == 3
        for metric in ("shares", "releases_without_consent"):
            pairs = [float(pbd[s][metric]) - float(leaky[s][metric]) for s in sorted(pbd)]
            assert float(row[f"{metric}_difference"]) == pytest.approx(statistics.fmean(pairs))
    # The leaky policy notifies residents who opted out; privacy-by-design never does.
    assert all(float(r["notices_difference"]) < 0 for r in rows), rows
    report = (out / "report.html").read_text()
    assert "Differences from tests.sim.worlds:LEAKY, per point" in report
    # In two processes, finishing in another order: the same bytes.
    parallel = tmp_path / "parallel"
    args = ["sweep", str(tmp_path / "sweep.toml"), "--out", str(parallel), "--jobs", "2"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    for name in (
        "point_differences.csv",
        "point_differences.parquet",
        "point_differences.png",
        "report.html",
    ):
        assert (parallel / name).read_bytes() == (out / name).read_bytes(), name
    assert "point_differences.parquet" in (out / "manifest.json").read_text()
    assert "point_differences.png" in (out / "manifest.json").read_text()
    assert 'alt="differences against each parameter"' in report


@pytest.mark.parametrize(
    ("policies", "baseline", "words"),
    [
        ('["privacy-by-design", "ring-2019"]', "ring-2018", "is not one of policies"),
        ('["privacy-by-design"]', "privacy-by-design", "needs two policies or more"),
    ],
)
def test_a_bad_baseline_is_refused_before_anything_runs(
    tmp_path: Path, policies: str, baseline: str, words: str
) -> None:
    body = f'policies = {policies}\nbaseline = "{baseline}"\n[parameters]\n"run.days" = [3]\n'
    with pytest.raises(ScenarioError) as caught:
        load_sweep(write_sweep(tmp_path, body))
    assert words in dict(caught.value.problems)["baseline"]
    assert not (tmp_path / "runs").exists()


def test_one_policy_writes_no_differences(tmp_path: Path) -> None:
    body = '[parameters]\n"run.days" = [3]\n'
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["sweep", str(write_sweep(tmp_path, body)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not (out / "point_differences.csv").exists()
    assert "Differences from" not in (out / "report.html").read_text()


@pytest.mark.parametrize(
    "path",
    sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("sweep*.toml")),
    ids=lambda p: p.name,
)
def test_the_shipped_sweeps_validate(path: Path) -> None:
    sweep = load_sweep(path)
    assert sweep.points
    if len(sweep.spec.policies) > 1:
        assert sweep.spec.baseline in sweep.spec.policies
