"""A scenario's name is its output folder (runs/<name>): one a file system takes, checked
before the run.

Found by an exploratory review: a 300-character name, with no --out, ended in `OSError: File
name too long`, and a name holding "\\u0000" in `ValueError: embedded null byte`, both only
after the whole simulation had run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.sim import engine
from app.sim.scenario import ScenarioError, parse_scenario
from tests.sim.worlds import tiny_data

ROOT = Path(__file__).resolve().parents[2]


def name_problem(name: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario({**tiny_data(), "name": name})
    return dict(caught.value.problems)["name"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("x" * 300, "at most 200 bytes of UTF-8, not 300"),
        ("é" * 101, "at most 200 bytes of UTF-8, not 202"),  # 101 letters, two bytes each
        ("a\x00b", r"no control characters ('\x00' found)"),
        ("two\nlines", r"no control characters ('\n' found)"),
        ("tab\there", r"no control characters ('\t' found)"),
    ],
)
def test_a_name_no_folder_can_take_is_refused(name: str, words: str) -> None:
    assert name_problem(name) == f"names the output folder: {words}"


@pytest.mark.parametrize("name", ["x" * 200, "é" * 100, "smalltown 2019 (k = 10)", "Åsa-by"])
def test_a_name_a_folder_can_take_is_accepted(name: str) -> None:
    assert parse_scenario({**tiny_data(), "name": name}).name == name


@pytest.mark.parametrize(
    ("toml_name", "words"),
    [
        ("x" * 300, "at most 200 bytes of UTF-8, not 300"),
        ("a\\u0000b", r"no control characters ('\x00' found)"),
    ],
)
def test_simulate_refuses_the_name_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml_name: str, words: str
) -> None:
    town = (ROOT / "scenarios" / "smalltown.toml").read_text()
    assert '\nname = "smalltown"\n' in town
    (tmp_path / "town.toml").write_text(
        town.replace('\nname = "smalltown"\n', f'\nname = "{toml_name}"\n')
    )

    def no_run(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the run started with a name its folder cannot take")

    monkeypatch.setattr(engine.Engine, "run_all", no_run)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["simulate", "town.toml"])  # no --out: runs/<name>
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert " ".join(result.output.split()) == f"error: name: names the output folder: {words}"
    assert not (tmp_path / "runs").exists()
