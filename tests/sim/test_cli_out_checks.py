"""`--out` and `--db` are checked before a run, and a failed `simulate` takes its database back.

Found by an exploratory review: `simulate --out afile/sub --db sub.db` (afile a file) ran the
whole year, then ended in a NotADirectoryError traceback, leaving sub.db behind so that the
rerun was refused ("already holds a database"); compare and sweep ended in tracebacks too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.sim import engine
from tests.sim.test_sweep import GRID, write_sweep


def said(output: str) -> str:
    return " ".join(output.split())


def a_run_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any simulation reaching the engine fails the test: the refusal must come first."""

    def no_run(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the run started before its output folder was checked")

    monkeypatch.setattr(engine.Engine, "run_all", no_run)


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "{town}", "--db", "{db}"],
        ["compare", "{town}", "--policies", "ring-2019", "--replications", "1"],
        ["sweep", "{sweep}"],
    ],
)
def test_an_out_below_a_file_is_refused_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    sweep = write_sweep(tmp_path, GRID)
    a_run_is_a_failure(monkeypatch)
    (tmp_path / "afile").write_text("mine")
    db = tmp_path / "sub.db"
    args = [a.format(town=tmp_path / "town.toml", sweep=sweep, db=db) for a in command]
    target = tmp_path / "afile" / "sub"
    result = CliRunner().invoke(cli, [*args, "--out", str(target)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert said(result.output) == (
        f"error: --out: {tmp_path / 'afile'} is a file, not a folder, so {target} cannot be "
        "made in it"
    )
    assert not db.exists() and (tmp_path / "afile").read_text() == "mine"


def test_an_out_name_longer_than_a_file_system_takes_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_sweep(tmp_path, GRID)
    a_run_is_a_failure(monkeypatch)
    target = tmp_path / ("x" * 300)
    result = CliRunner().invoke(
        cli, ["simulate", str(tmp_path / "town.toml"), "--out", str(target)]
    )
    assert result.exit_code == 2, result.output
    assert "--out:" in said(result.output) and "longer than 255 bytes" in said(result.output)


@pytest.mark.parametrize(
    ("db", "words"),
    [
        ("folder", "is a folder, not a file"),
        ("afile/sub.db", "cannot be made: {tmp}/afile is a file, not a folder"),
    ],
)
def test_a_db_that_cannot_be_made_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str, words: str
) -> None:
    """A folder was "already holds a database"; a file in the way was a FileExistsError."""
    write_sweep(tmp_path, GRID)
    a_run_is_a_failure(monkeypatch)
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("mine")
    town = str(tmp_path / "town.toml")
    args = ["simulate", town, "--out", str(tmp_path / "out"), "--db", str(tmp_path / db)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert said(result.output).startswith(f"error: --db: {tmp_path / db} ")
    assert words.format(tmp=tmp_path) in said(result.output)
