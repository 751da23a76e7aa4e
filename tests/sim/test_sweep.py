"""Sweeps: grids and Latin hypercubes, validated up front; an interrupted sweep loses no
finished run and resumes to exactly the result of an uninterrupted one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.sim import batch
from app.sim.batch import RunTask
from app.sim.scenario import ScenarioError
from app.sim.sweep import (
    Bounds,
    claim_output,
    latin_hypercube,
    load_sweep,
    run_sweep,
    sweep_tasks,
)

ROOT = Path(__file__).resolve().parents[2]


def write_sweep(directory: Path, body: str) -> Path:
    scenario = (ROOT / "scenarios" / "smalltown.toml").read_text().replace("days = 42", "days = 7")
    (directory / "town.toml").write_text(scenario)
    path = directory / "sweep.toml"
    path.write_text('scenario = "town.toml"\n' + body)
    return path


def interrupting_worker(runs: int, executed: list[Path]) -> Callable[[RunTask], dict[str, Any]]:
    """A worker that finishes `runs` runs (their directories go to `executed`), then is
    interrupted as Ctrl-C would interrupt it."""

    def worker(task: RunTask) -> dict[str, Any]:
        if len(executed) == runs:
            raise KeyboardInterrupt
        executed.append(task.directory)
        return batch.execute(task)

    return worker


GRID = """
replications = 1
[parameters]
"resident_behaviour.subscription_rate" = [0.3, 0.9]
"resident_behaviour.share_probability.default" = [0.1, 0.3]
"""


def test_an_interrupted_sweep_resumes_to_the_same_result(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path, GRID))
    assert len(sweep.points) == 4
    fresh = tmp_path / "fresh"
    run_sweep(sweep, fresh)

    executed: list[Path] = []
    interrupted_after_two = interrupting_worker(2, executed)

    resumed = tmp_path / "resumed"
    claim_output(sweep, resumed)  # as the command does before its first run
    with pytest.raises(KeyboardInterrupt):
        batch.run_tasks(
            sweep_tasks(sweep, resumed),
            worker=interrupted_after_two,
        )
    finished = sorted(p.parent for p in resumed.rglob("result.json"))
    assert finished == sorted(executed) and len(finished) == 2

    again: list[bool] = []
    outcomes = run_sweep(sweep, resumed, on_done=lambda _task, reused: again.append(reused))
    assert sorted(again) == [False, False, True, True]
    assert [o.reused for o in outcomes].count(True) == 2
    for name in ("sweep.csv", "sweep.parquet", "sweep.png", "report.html", "manifest.json"):
        assert (resumed / name).read_bytes() == (fresh / name).read_bytes(), name


def test_a_half_written_run_is_run_again(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path, GRID))
    out = tmp_path / "out"
    run_sweep(sweep, out)
    victim = sorted(out.rglob("result.json"))[0]
    victim.write_text('{"key": "truncated')
    reused: list[bool] = []
    run_sweep(sweep, out, on_done=lambda _task, was: reused.append(was))
    assert reused.count(False) == 1


def test_the_sweep_command_shows_progress_and_resumes(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, GRID)
    out = tmp_path / "cli"
    first = CliRunner().invoke(cli, ["sweep", str(path), "--out", str(out), "--jobs", "2"])
    assert first.exit_code == 0, first.output
    assert "4 runs (0 reused" in first.output
    second = CliRunner().invoke(cli, ["sweep", str(path), "--out", str(out), "--jobs", "2"])
    assert "4 runs (4 reused" in second.output


def test_latin_hypercube_points_are_stratified_and_seeded() -> None:
    bounds: dict[str, list[Any] | Bounds] = {
        "x": Bounds(low=0.0, high=1.0),
        "n": Bounds(low=1, high=10, integer=True),
    }
    points = latin_hypercube(bounds, 8, seed=3)
    assert points == latin_hypercube(bounds, 8, seed=3)
    assert points != latin_hypercube(bounds, 8, seed=4)
    # One point in each eighth of every parameter's range: the Latin property.
    assert sorted(int(p["x"] * 8) for p in points) == list(range(8))
    assert all(isinstance(p["n"], int) and 1 <= p["n"] <= 10 for p in points)


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ("[parameters]\n", "parameters", "name at least one"),
        (
            '[parameters]\n"resident_behaviour.subscription_rate" = [0.5, 2.0]\n',
            "point 1 resident_behaviour.subscription_rate",
            "less than or equal to 1",
        ),
        (
            'method = "latin-hypercube"\n[parameters]\n"run.days" = [1, 2]\n',
            "parameters.run.days",
            "needs {low, high}",
        ),
        ('policies = ["nope"]\n[parameters]\n"run.days" = [1]\n', "policies", "unknown policy"),
        ('colour = 1\n[parameters]\n"run.days" = [1]\n', "colour", "Extra inputs"),
        # Both would run into the same folders.
        (
            'policies = ["ring-2019", "ring-2019"]\n[parameters]\n"run.days" = [1]\n',
            "policies",
            "'ring-2019' is listed twice",
        ),
        # One problem under the key as written, not one per form pydantic tried.
        (
            'method = "latin-hypercube"\n[parameters]\n"run.days" = {low = 5, high = 1}\n',
            "parameters.run.days",
            "high must be at least low",
        ),
        (
            'method = "latin-hypercube"\n[parameters]\n"run.days" = {low = 1, high = nan}\n',
            "parameters.run.days.high",
            "finite number",
        ),
        ('samples = 5\n[parameters]\n"run.days" = [1]\n', "samples", "only a latin-hypercube"),
        # Types are strict, in the sweep file and in the values it gives the scenario.
        ('replications = "2"\n[parameters]\n"run.days" = [1]\n', "replications", "valid integer"),
        ('[parameters]\n"run.days" = ["7"]\n', "point 0 run.days", "valid number"),
        # 2,560,000 points: validating them took minutes before anything was said.
        (
            "[parameters]\n" + "".join(f'"x{i}" = [{", ".join(["0.1"] * 40)}]\n' for i in range(4)),
            "parameters",
            "2,560,000 runs",
        ),
    ],
)
def test_bad_sweeps_are_refused_before_anything_runs(
    tmp_path: Path, body: str, key: str, words: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_sweep(write_sweep(tmp_path, body))
    problems = dict(caught.value.problems)
    assert key in problems, problems
    assert words in problems[key]
    assert len(caught.value.problems) == 1, problems


def test_runs_made_by_other_code_are_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweep = load_sweep(write_sweep(tmp_path, GRID))
    out = tmp_path / "out"
    run_sweep(sweep, out)
    reused: list[bool] = []
    run_sweep(sweep, out, on_done=lambda _task, was: reused.append(was))
    assert reused and all(reused)  # same code: every finished run is reused
    # A change to app/ (here: its hash) makes every stored result stale.
    monkeypatch.setattr(batch, "_code_hash", lambda: "0" * 64)
    redone: list[bool] = []
    run_sweep(sweep, out, on_done=lambda _task, was: redone.append(was))
    assert redone and not any(redone)
