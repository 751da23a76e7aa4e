"""`consentgate compare`: a side-by-side table with 95% intervals, tables, plots and a report."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from scipy import stats
from typer.testing import CliRunner

from app.cli import cli
from app.sim.intervals import interval

ROOT = Path(__file__).resolve().parents[2]
SMALLTOWN = str(ROOT / "scenarios" / "smalltown.toml")


def test_interval_is_the_student_t_interval() -> None:
    result = interval([1.0, 2.0, 3.0, 6.0])
    half = stats.t.ppf(0.975, 3) * stats.tstd([1.0, 2.0, 3.0, 6.0]) / 2
    assert result.mean == 3.0
    assert result.low == pytest.approx(3.0 - half) and result.high == pytest.approx(3.0 + half)
    single = interval([5.0])
    assert single.mean == 5.0 and math.isnan(single.low)


def test_compare_prints_the_table_and_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    town = tmp_path / "town.toml"
    town.write_text(Path(SMALLTOWN).read_text().replace("days = 42", "days = 21"))
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            str(town),
            "--policies",
            "privacy-by-design,tests.sim.worlds:LEAKY",
            "--replications",
            "2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "privacy-by-design" in result.output and "tests.sim.worlds:LEAKY" in result.output
    assert "identity_disclosures" in result.output and "±" in result.output
    with (out / "compare.csv").open() as f:
        rows = {(r["metric"], r["policy"]): r for r in csv.DictReader(f)}
    anonymous = rows[("identity_disclosures", "privacy-by-design")]
    leaky = rows[("identity_disclosures", "tests.sim.worlds:LEAKY")]
    assert float(anonymous["mean"]) == 0 and float(leaky["mean"]) > 0
    assert anonymous["n"] == "2"
    assert (out / "compare.parquet").stat().st_size > 0
    assert (out / "compare.png").read_bytes().startswith(b"\x89PNG")
    report = (out / "report.html").read_text()
    assert "data:image/png;base64," in report and "identity_disclosures" in report
    assert "http://" not in report and "https://" not in report  # self-contained
    manifest = (out / "manifest.json").read_text()
    assert '"scenario_hash"' in manifest and '"pyarrow"' in manifest
    runs = sorted(p.relative_to(out).as_posix() for p in out.glob("runs/*/rep-*"))
    assert runs == [
        "runs/privacy-by-design/rep-000",
        "runs/privacy-by-design/rep-001",
        "runs/tests.sim.worlds_LEAKY/rep-000",
        "runs/tests.sim.worlds_LEAKY/rep-001",
    ]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--policies", "privacy-by-design,ring-1999"], "--policies: unknown policy 'ring-1999'"),
        (["--policies", "privacy-by-design,privacy-by-design"], "listed twice"),
        (["--policies", " , "], "name at least one policy"),
    ],
)
def test_compare_refuses_bad_policies(tmp_path: Path, args: list[str], words: str) -> None:
    result = CliRunner().invoke(cli, ["compare", SMALLTOWN, *args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert words in " ".join(result.output.split())
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_a_bad_scenario_is_refused_with_its_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(Path(SMALLTOWN).read_text().replace("households = 180", "households = -1"))
    result = CliRunner().invoke(cli, ["simulate", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "city.neighborhoods[1].households" in result.output
    assert not (tmp_path / "o").exists()
