"""A sweep's per-point summaries: the mean and 95% half-width of each (point, policy) over its
replications, written to points.csv/.parquet, shown first in the report and at the end of the
command, and identical whether the sweep ran straight through, resumed or in parallel."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.sim import batch
from app.sim.outputs import fmt
from app.sim.sweep import claim_output, load_sweep, run_sweep, sweep_tasks
from app.sim.sweep_display import cell, points_table, short_names
from app.sim.sweep_summary import point_rows
from tests.sim.test_sweep import interrupting_worker, write_sweep

T_975_2 = 4.302653  # Student t, 97.5th percentile, 2 degrees of freedom (a printed table)


def run(point: int, policy: str, x: float, m: float) -> dict[str, Any]:
    return {"point": point, "policy": policy, "x": x, "m": m}


def test_mean_and_half_width_match_a_hand_computation() -> None:
    rows = point_rows([run(0, "a", 0.5, v) for v in (1.0, 2.0, 4.0)], ["x"], ["m"])
    assert len(rows) == 1
    mean = 7 / 3
    sd = math.sqrt(((1 - mean) ** 2 + (2 - mean) ** 2 + (4 - mean) ** 2) / 2)
    assert rows[0]["n"] == 3
    assert rows[0]["x"] == 0.5
    assert rows[0]["m_mean"] == pytest.approx(mean, rel=1e-9)
    assert rows[0]["m_half_width"] == pytest.approx(T_975_2 * sd / math.sqrt(3), rel=1e-6)


def test_runs_are_grouped_by_point_and_policy_in_task_order() -> None:
    runs = [
        run(0, "a", 0.1, 1.0),
        run(0, "b", 0.1, 10.0),
        run(0, "a", 0.1, 3.0),
        run(0, "b", 0.1, 30.0),
        run(1, "a", 0.9, 5.0),
    ]
    rows = point_rows(runs, ["x"], ["m"])
    assert [(r["point"], r["policy"], r["x"], r["n"], r["m_mean"]) for r in rows] == [
        (0, "a", 0.1, 2, 2.0),
        (0, "b", 0.1, 2, 20.0),
        (1, "a", 0.9, 1, 5.0),
    ]


def test_one_replication_has_no_interval_and_says_so() -> None:
    rows = point_rows([run(0, "a", 0.1, 0.25)], ["x"], ["m"])
    assert math.isnan(rows[0]["m_half_width"])
    assert cell(rows[0], "m") == "0.25"  # the mean alone, not "0.25 ± 0"
    assert "one replication" in str(points_table(rows, ["x"], ["m"]).caption)


def test_an_infinite_replication_makes_the_mean_infinite() -> None:
    """A fairness ratio is inf when a group got no notice: the mean keeps that (it does not
    drop the run), and the interval is unknown rather than inf or nan shown as a number."""
    rows = point_rows([run(0, "a", 0.1, v) for v in (1.0, math.inf, 3.0)], ["x"], ["m"])
    assert rows[0]["m_mean"] == math.inf
    assert math.isnan(rows[0]["m_half_width"])
    assert cell(rows[0], "m") == "inf"


def test_short_names_drop_the_section_but_stay_distinct() -> None:
    names = short_names(
        [
            "resident_behaviour.share_probability.default",
            "resident_behaviour.subscription_rate",
            "agency_behaviour.radius_m.low",
            "resident_behaviour.radius_m.low",
        ]
    )
    assert names["resident_behaviour.share_probability.default"] == "share_probability.default"
    assert names["resident_behaviour.subscription_rate"] == "subscription_rate"
    # Two keys alike without their section keep their full names.
    assert names["agency_behaviour.radius_m.low"] == "agency_behaviour.radius_m.low"


GRID2 = """
replications = 2
[parameters]
"resident_behaviour.subscription_rate" = [0.3, 0.9]
"resident_behaviour.share_probability.default" = [0.1, 0.3]
"""
SUMMARIES = ("points.csv", "points.parquet", "sweep.png", "report.html", "manifest.json")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_points_csv_summarises_sweep_csv(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_sweep(load_sweep(write_sweep(tmp_path, GRID2)), out)
    runs, points = read_csv(out / "sweep.csv"), read_csv(out / "points.csv")
    assert len(runs) == 8 and len(points) == 4
    # Every metric of sweep.csv (the columns after the parameters) has a mean and a half-width.
    metrics = list(runs[0])[6:]
    assert len(metrics) == 9
    assert list(points[0]) == [
        "point",
        "policy",
        *list(runs[0])[4:6],
        "n",
        *(f"{m}_{s}" for m in metrics for s in ("mean", "half_width")),
    ]
    for p in points:
        mine = [float(r["shares"]) for r in runs if r["point"] == p["point"]]
        assert p["n"] == "2"
        assert float(p["shares_mean"]) == pytest.approx(sum(mine) / 2)
        # Two replications: half-width = t(0.975, 1) * |a - b| / 2
        assert float(p["shares_half_width"]) == pytest.approx(
            12.706205 * abs(mine[0] - mine[1]) / 2, rel=1e-6
        )
    parquet = pq.read_table(out / "points.parquet").to_pylist()
    assert [{k: fmt(v) for k, v in row.items()} for row in parquet] == points
    assert "points.csv" in (out / "manifest.json").read_text()


def test_a_resumed_sweep_writes_identical_summaries(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path, GRID2))
    fresh, resumed = tmp_path / "fresh", tmp_path / "resumed"
    run_sweep(sweep, fresh)
    interrupted_after_three = interrupting_worker(3, [])

    # Parallel processes finish out of task order: leave runs 5, 2 and 6 finished (in a folder
    # the sweep has claimed, as the command does before its first run).
    claim_output(sweep, resumed)
    tasks = sweep_tasks(sweep, resumed)
    with pytest.raises(KeyboardInterrupt):
        batch.run_tasks([tasks[i] for i in (5, 2, 6, 0)], worker=interrupted_after_three)
    outcomes = run_sweep(sweep, resumed)
    assert [o.reused for o in outcomes].count(True) == 3
    for name in SUMMARIES:
        assert (resumed / name).read_bytes() == (fresh / name).read_bytes(), name


def test_serial_and_parallel_sweeps_write_identical_summaries(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path, GRID2))
    run_sweep(sweep, tmp_path / "serial", jobs=1)
    run_sweep(sweep, tmp_path / "parallel", jobs=2)
    for name in SUMMARIES:
        serial = (tmp_path / "serial" / name).read_bytes()
        assert serial == (tmp_path / "parallel" / name).read_bytes(), name


def test_the_command_prints_the_per_point_table(tmp_path: Path) -> None:
    body = GRID2.replace("replications = 2", "replications = 1")
    path = write_sweep(tmp_path, body)
    result = CliRunner().invoke(cli, ["sweep", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "Per point" in result.output
    assert "one replication per point" in result.output
    assert "±" not in result.output
    # Nine metrics are too many for a console: the key ones, and a pointer to the rest.
    assert "share_rate" in result.output and "requests_filed" not in result.output
