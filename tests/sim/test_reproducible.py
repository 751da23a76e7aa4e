"""The same scenario and seed give byte-identical outputs, serial or parallel."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli
from app.sim.compare import compare
from app.sim.scenario import load_scenario, read_scenario_data

ROOT = Path(__file__).resolve().parents[2]
SMALLTOWN = ROOT / "scenarios" / "smalltown.toml"


def tree(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def short_town(directory: Path) -> Path:
    """Smalltown for two weeks: enough to draw every output, quick enough to run thrice."""
    path = directory / "town.toml"
    path.write_text(SMALLTOWN.read_text().replace("days = 42", "days = 14"))
    return path


def test_simulate_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    runner = CliRunner()
    town = str(short_town(tmp_path))
    for name in ("a", "b"):
        result = runner.invoke(cli, ["simulate", town, "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert set(first) >= {
        "weekly.csv",
        "weekly.parquet",
        "summary.csv",
        "weekly.png",
        "report.html",
    }
    assert first == second
    other = runner.invoke(cli, ["simulate", town, "--seed", "12", "--out", str(tmp_path / "c")])
    assert other.exit_code == 0, other.output
    assert tree(tmp_path / "c")["weekly.csv"] != first["weekly.csv"]


def test_serial_and_parallel_comparisons_are_identical(tmp_path: Path) -> None:
    scenario, data = load_scenario(SMALLTOWN), read_scenario_data(SMALLTOWN)
    data["run"]["days"] = 7
    scenario = scenario.model_copy(update={"run": scenario.run.model_copy(update={"days": 7})})
    policies = ["privacy-by-design", "tests.sim.worlds:LEAKY"]
    compare(scenario, data, policies, replications=2, out=tmp_path / "serial", jobs=1)
    compare(scenario, data, policies, replications=2, out=tmp_path / "parallel", jobs=2)
    serial, parallel = tree(tmp_path / "serial"), tree(tmp_path / "parallel")
    assert "report.html" in serial and "compare.png" in serial and "differences.parquet" in serial
    assert "differences.png" in serial
    assert serial == parallel
