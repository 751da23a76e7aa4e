"""`consentgate verify` for users: a clean result, a violation's trace, a declared exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.conftest import PG_URL

runner = CliRunner()
memory_only = pytest.mark.skipif(bool(PG_URL), reason="no database involved; ran on SQLite")


@memory_only
def test_default_policy_holds() -> None:
    result = runner.invoke(cli, ["verify", "--steps", "300", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "Every invariant (I1-I8) held" in result.output
    assert "privacy-by-design" in result.output


@memory_only
def test_the_sql_level_runs_the_services_over_a_fresh_sqlite_file_per_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.verification import service_driver

    made: list[str] = []
    real = service_driver.FreshDatabase

    def counted(url: str) -> object:
        made.append(url)
        return real(url)

    monkeypatch.setattr(service_driver, "FreshDatabase", counted)
    result = runner.invoke(cli, ["verify", "--level", "sql", "--steps", "40", "--history", "10"])
    assert result.exit_code == 0, result.output
    assert "at the sql level" in result.output and "Every invariant (I1-I8) held" in result.output
    assert len(made) >= 4 and set(made) == {"sqlite"}  # one fresh database per history


@memory_only
def test_a_broken_policy_prints_a_numbered_trace_and_exits_1() -> None:
    result = runner.invoke(
        cli, ["verify", "--policy", "tests.property.broken:SilenceIsConsent", "--steps", "2000"]
    )
    assert result.exit_code == 1, result.output
    assert "VIOLATION: the consent guarantee is broken" in result.output
    assert "  1. operator creates agency A1" in result.output
    assert "without consent" in result.output
    assert "[I1 VIOLATION]" in result.output
    # Shrinking replays variants of the counterexample, often tens of times the budget; the
    # summary used to count them as explored steps (ring-2018: 600 asked, 8,153 "explored").
    explored = next(line for line in result.output.splitlines() if line.startswith("Explored"))
    assert int(explored.split()[1]) < 2000, explored
    assert "before the first counterexample; shrinking its trace replayed" in explored


@memory_only
def test_the_same_seed_prints_the_same_trace() -> None:
    args = ["verify", "--policy", "tests.property.broken:SilenceIsConsent", "--steps", "600"]
    first, second = runner.invoke(cli, args), runner.invoke(cli, args)
    trace = [line for line in first.output.splitlines() if not line.startswith("Explored")]
    again = [line for line in second.output.splitlines() if not line.startswith("Explored")]
    assert trace == again


@memory_only
def test_a_declared_exception_is_reported_separately_with_exit_3() -> None:
    result = runner.invoke(
        cli,
        ["verify", "--policy", "tests.property.broken:EmergencyDisclosures", "--steps", "3000"],
    )
    assert result.exit_code == 3, result.output
    assert "Strict consent is broken by an exception the policy declares (emergency)" in (
        result.output
    )
    assert "declared exception]" in result.output
    assert "VIOLATION" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "no-such-policy"], "--policy: unknown policy 'no-such-policy'"),
        (["--policy", "no.such.module:Policy"], "--policy: unknown policy"),
        (["--level", "carrier-pigeon"], "--level: 'carrier-pigeon' is not one of"),
    ],
)
def test_bad_options_name_the_option_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(cli, ["verify", *args, "--steps", "10"])
    assert result.exit_code == 2
    assert message in result.output


def test_steps_must_be_positive() -> None:
    result = runner.invoke(cli, ["verify", "--steps", "0"])
    assert result.exit_code == 2
    assert "--steps" in result.output


def test_a_module_off_the_python_path_is_named_with_the_way_to_reach_it() -> None:
    """`consentgate` does not put the current folder on the path; "unknown policy" alone hid
    that a researcher's module was simply not importable."""
    result = runner.invoke(cli, ["verify", "--policy", "qa_nowhere.strict:StrictPolicy"])
    assert result.exit_code == 2
    assert "--policy: unknown policy 'qa_nowhere.strict:StrictPolicy'" in result.output
    assert "No module named 'qa_nowhere'" in result.output
    assert "PYTHONPATH=." in result.output


def test_a_missing_attribute_is_named() -> None:
    result = runner.invoke(cli, ["verify", "--policy", "app.sim.example_policies:NARROW"])
    assert result.exit_code == 2
    assert "has no attribute 'NARROW'" in result.output
    assert "PYTHONPATH" not in result.output


def test_an_import_failing_inside_the_researchers_module_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "qa_typo_policy.py").write_text("import qa_no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = runner.invoke(cli, ["verify", "--policy", "qa_typo_policy:POLICY"])
    assert result.exit_code == 2
    assert "No module named 'qa_no_such_dependency'" in result.output
    assert "PYTHONPATH" not in result.output
