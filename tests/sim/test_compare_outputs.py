"""`consentgate compare --baseline`: the differences table, differences.csv/.parquet, the
report's differences and glossary sections, catalogue order, and the baseline's errors."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.sim.metric_catalog import ordered
from app.sim.scenario import ScenarioError
from app.sim.sweep import load_sweep
from tests.sim.test_sweep import GRID, write_sweep

ROOT = Path(__file__).resolve().parents[2]
SMALLTOWN = ROOT / "scenarios" / "smalltown.toml"
POLICIES = "privacy-by-design,tests.sim.worlds:LEAKY"


def town(directory: Path) -> Path:
    path = directory / "town.toml"
    path.write_text(SMALLTOWN.read_text().replace("days = 42", "days = 21"))
    return path


def run(directory: Path, *args: str) -> tuple[int, str, Path]:
    out = directory / "cmp"
    result = CliRunner().invoke(
        cli, ["compare", str(town(directory)), "--policies", POLICIES, *args, "--out", str(out)]
    )
    return result.exit_code, " ".join(result.output.split()), out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


def summary(path: Path) -> dict[str, float]:
    return {r["metric"]: float(r["value"]) for r in read_csv(path / "summary.csv")}


@pytest.fixture(scope="module")
def two_replications(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    code, output, out = run(tmp_path_factory.mktemp("two"), "--replications", "2")
    assert code == 0, output
    return output, out


def test_differences_are_the_mean_of_the_runs_paired_differences(
    two_replications: tuple[str, Path],
) -> None:
    _, out = two_replications
    rows = {r["metric"]: r for r in read_csv(out / "differences.csv")}
    leaky, base = out / "runs" / "tests.sim.worlds_LEAKY", out / "runs" / "privacy-by-design"
    for metric in ("identity_disclosures", "notices", "shares"):
        pairs = [
            summary(leaky / rep).get(metric, 0.0) - summary(base / rep).get(metric, 0.0)
            for rep in ("rep-000", "rep-001")
        ]
        row = rows[metric]
        assert row["baseline"] == "privacy-by-design" and row["policy"] == "tests.sim.worlds:LEAKY"
        assert float(row["mean_difference"]) == pytest.approx(statistics.fmean(pairs), abs=1e-6)
        assert row["pairs"] == row["finite_pairs"] == "2"
    assert float(rows["identity_disclosures"]["mean_difference"]) > 0
    table = pq.read_table(out / "differences.parquet")
    assert str(table.schema.field("excludes_zero").type) == "bool"
    assert table.column("metric").to_pylist() == [
        r["metric"] for r in read_csv(out / "differences.csv")
    ]


def test_tables_csvs_and_report_follow_the_catalogue_order(
    two_replications: tuple[str, Path],
) -> None:
    output, out = two_replications
    compared = list(dict.fromkeys(r["metric"] for r in read_csv(out / "compare.csv")))
    assert compared == ordered(compared) and compared != sorted(compared)
    assert compared[0] == "requests_filed" and compared[-1] == "audit_entries"
    differed = [r["metric"] for r in read_csv(out / "differences.csv")]
    assert differed == compared
    assert output.index("requests_filed") < output.index("notices_per_request")
    assert output.index("notices_per_request") < output.index("cameras")
    assert "difference from privacy-by-design" in output
    report = (out / "report.html").read_text()
    assert "<h2>Differences from privacy-by-design</h2>" in report
    assert "<h2>Glossary</h2>" in report and "Distinct residents who received" in report
    glossary = report[report.index("<h2>Glossary</h2>") :]
    assert [m for m in compared if f"<td>{m}</td>" in glossary] == compared
    manifest = (out / "manifest.json").read_text()
    assert '"baseline": "privacy-by-design"' in manifest and '"differences.csv"' in manifest


def test_another_baseline_flips_the_sign(
    tmp_path: Path, two_replications: tuple[str, Path]
) -> None:
    _, first = two_replications
    code, output, out = run(tmp_path, "--replications", "2", "--baseline", "tests.sim.worlds:LEAKY")
    assert code == 0, output
    before = {r["metric"]: r for r in read_csv(first / "differences.csv")}
    after = {r["metric"]: r for r in read_csv(out / "differences.csv")}
    assert after["notices"]["policy"] == "privacy-by-design"
    assert float(after["notices"]["mean_difference"]) == -float(
        before["notices"]["mean_difference"]
    )


def test_one_replication_says_there_is_no_interval(tmp_path: Path) -> None:
    code, output, out = run(tmp_path, "--replications", "1")
    assert code == 0, output
    differences = output[output.index("difference from privacy-by-design") :]
    assert "no interval" in differences and "±" not in differences
    row = next(r for r in read_csv(out / "differences.csv") if r["metric"] == "notices")
    assert (row["ci_low"], row["ci_high"], row["excludes_zero"]) == ("nan", "nan", "")
    assert "With one replication there is no interval" in (out / "report.html").read_text()


@pytest.mark.parametrize(
    ("baseline", "words"),
    [
        ("ring-1999", "--baseline: unknown policy 'ring-1999'"),
        ("ring-2018", "--baseline: 'ring-2018' is not one of --policies"),
    ],
)
def test_a_bad_baseline_is_refused(tmp_path: Path, baseline: str, words: str) -> None:
    code, output, out = run(tmp_path, "--baseline", baseline)
    assert code == 2
    assert words in output
    assert not out.exists()  # nothing run, nothing half-written


def test_a_rerun_into_the_same_folder_leaves_nothing_of_the_earlier_comparison(
    tmp_path: Path,
) -> None:
    """Two policies and two replications, then one policy and one replication into the same
    folder: the earlier second policy's runs, the second replication and differences.png go;
    a file the researcher put there stays."""
    code, output, out = run(tmp_path, "--replications", "2")
    assert code == 0, output
    assert (out / "differences.png").is_file()
    (out / "notes.txt").write_text("mine")
    (out / "runs" / "notes.txt").write_text("mine too")
    args = ["--policies", "privacy-by-design", "--replications", "1", "--out", str(out)]
    again = CliRunner().invoke(cli, ["compare", str(town(tmp_path)), *args])
    assert again.exit_code == 0, again.output
    runs = sorted(str(p.relative_to(out)) for p in (out / "runs").rglob("rep-*"))
    assert runs == ["runs/privacy-by-design/rep-000"]
    assert not (out / "runs" / "tests.sim.worlds_LEAKY").exists()
    assert not (out / "differences.png").exists()
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "runs" / "notes.txt").read_text() == "mine too"


def test_two_policies_that_would_share_a_run_folder_are_refused(tmp_path: Path) -> None:
    # a/p.toml and a_p.toml are both a_p.toml as a folder name: the later's runs would land
    # over the earlier's, and the table would report one policy's runs as the other's.
    (tmp_path / "a").mkdir()
    nested, flat = tmp_path / "a" / "p.toml", tmp_path / "a_p.toml"
    for path, name in ((nested, "nested"), (flat, "flat")):
        path.write_text(f'name = "{name}"\n[parameters]\nmap_k = 7\n')
    policies = f"{nested},{flat}"
    result = CliRunner().invoke(
        cli, ["compare", str(town(tmp_path)), "--policies", policies, "--out", str(tmp_path / "o")]
    )
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "would share the run folder" in said, said
    assert not (tmp_path / "o").exists()


def test_a_sweep_whose_policies_would_share_a_run_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    for path, name in ((tmp_path / "a" / "p.toml", "nested"), (tmp_path / "a_p.toml", "flat")):
        path.write_text(f'name = "{name}"\n[parameters]\nmap_k = 7\n')
    sweep = write_sweep(tmp_path, 'policies = ["a/p.toml", "a_p.toml"]\n' + GRID)
    with pytest.raises(ScenarioError, match=r"would share the run folder 'a_p\.toml'"):
        load_sweep(sweep)
