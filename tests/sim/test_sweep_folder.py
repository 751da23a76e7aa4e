"""An output folder holds one sweep: a rerun resumes it, an edited sweep is refused (exit 2,
nothing written) instead of mixing its runs and tables with the first one's; an `--out` that
is a file is refused before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.sim.test_sweep import GRID, write_sweep

ROOT = Path(__file__).resolve().parents[2]
TWO_POLICIES = GRID.replace(
    "replications = 1", 'replications = 1\npolicies = ["ring-2019", "privacy-by-design"]'
)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def sweep(path: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sweep", str(path), "--out", str(out), "--jobs", "1"])
    return result.exit_code, result.output


def test_an_edited_sweep_is_refused_in_the_first_ones_folder(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, TWO_POLICIES)
    out = tmp_path / "out"
    code, output = sweep(path, out)
    assert code == 0, output
    assert (out / "point_differences.csv").exists()
    before = snapshot(out)
    # One policy and other values: the old point_differences.* would stay beside new tables.
    path.write_text(
        path.read_text()
        .replace('policies = ["ring-2019", "privacy-by-design"]', "")
        .replace("[0.3, 0.9]", "[0.5, 0.9]")
    )
    code, output = sweep(path, out)
    assert code == 2, output
    assert "--out" in output and "holds another sweep" in output
    assert "parameters" in output and "policies" in output
    assert snapshot(out) == before  # nothing written
    assert sweep(path, tmp_path / "elsewhere")[0] == 0


def test_the_same_sweep_resumes_in_its_folder(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, GRID)
    out = tmp_path / "out"
    assert sweep(path, out)[0] == 0
    path.write_text(path.read_text() + "# a comment changes nothing\n")
    code, output = sweep(path, out)
    assert code == 0 and "4 runs (4 reused" in output, output


def test_a_folder_holding_something_else_is_refused(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, GRID)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, output = sweep(path, out)
    assert code == 2 and "holds no sweep" in output, output
    assert snapshot(out) == {"notes.txt": b"mine"}


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "{town}"],
        ["compare", "{town}", "--policies", "ring-2019", "--replications", "1"],
        ["sweep", "{sweep}"],
    ],
)
def test_an_out_that_is_a_file_is_refused(tmp_path: Path, command: list[str]) -> None:
    sweep_path = write_sweep(tmp_path, GRID)
    town = tmp_path / "town.toml"
    target = tmp_path / "taken"
    target.write_text("a file")
    args = [a.format(town=town, sweep=sweep_path) for a in command]
    result = CliRunner().invoke(cli, [*args, "--out", str(target)])
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "is a file, not a folder" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert target.read_text() == "a file"


def test_a_sweep_json_that_is_not_a_sweeps_is_refused_without_a_traceback(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, GRID)
    out = tmp_path / "out"
    out.mkdir()
    (out / "sweep.json").write_text("[]\n")  # valid JSON, but no sweep wrote it
    code, output = sweep(path, out)
    assert code == 2, output
    assert "holds another sweep" in output and "unreadable sweep.json" in output
