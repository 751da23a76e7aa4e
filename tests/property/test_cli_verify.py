"""`consentgate verify` for users: a clean result, a violation's trace, a declared exception."""

from __future__ import annotations

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
def test_a_broken_policy_prints_a_numbered_trace_and_exits_1() -> None:
    result = runner.invoke(
        cli, ["verify", "--policy", "tests.property.broken:SilenceIsConsent", "--steps", "2000"]
    )
    assert result.exit_code == 1, result.output
    assert "VIOLATION: the consent guarantee is broken" in result.output
    assert "  1. operator creates agency A1" in result.output
    assert "without consent" in result.output
    assert "[I1 VIOLATION]" in result.output


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
