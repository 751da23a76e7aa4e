"""Each simulation command's `--out` help names the folder it really writes to without it.

`compare` writes to runs/<scenario name>-compare and `sweep` to runs/<sweep file's stem>; the
help of both used to say runs/<scenario>, which sent a researcher looking in the wrong folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def out_help(command: str) -> str:
    text = CliRunner().invoke(cli, [command, "--help"], env={"COLUMNS": "200"}).output
    line = next(line for line in text.splitlines() if "--out" in line)
    return " ".join(line.split())


def named_default(command: str) -> str:
    found = re.search(r"\(default (runs/[^)]+)\)", out_help(command))
    assert found, out_help(command)
    return found.group(1)


def test_without_out_each_command_writes_where_its_help_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Smalltown for three days: the same scenario as the demos, quick enough for the suite.
    town = (ROOT / "scenarios" / "smalltown.toml").read_text()
    assert 'name = "smalltown"' in town and "\ndays = 42\n" in town
    (tmp_path / "town.toml").write_text(town.replace("\ndays = 42\n", "\ndays = 3\n"))
    (tmp_path / "grid.toml").write_text(
        'scenario = "town.toml"\nmethod = "grid"\nreplications = 1\n'
        '[parameters]\n"resident_behaviour.subscription_rate" = [0.5]\n'
    )
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args, command, names in (
        (["simulate", "town.toml"], "simulate", {"<scenario name>": "smalltown"}),
        (
            ["compare", "town.toml", "--policies", "privacy-by-design", "--replications", "1"],
            "compare",
            {"<scenario name>": "smalltown"},
        ),
        (["sweep", "grid.toml", "--jobs", "1"], "sweep", {"<sweep file's stem>": "grid"}),
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        said = named_default(command)
        for placeholder, value in names.items():
            said = said.replace(placeholder, value)
        assert (tmp_path / said).is_dir(), (
            f"{command}: help says {said}; wrote {list(tmp_path.glob('runs/*'))}"
        )
