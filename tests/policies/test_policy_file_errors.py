"""A policy file's mistakes are reported all at once, each `key: reason`.

Found by an exploratory review: `policy check` stopped at the first mistake, so a file with
five took five rounds to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.policies.params import PolicyParameterError, PolicyParams
from app.policies.registry import PolicyFileError, load_policy
from app.sim.scenario import ScenarioError, parse_scenario
from tests.sim.worlds import tiny_data

FIVE_MISTAKES = """
bsae = "ring-2018"
name = 3
[parameters]
map_k = 0
mapk = 3
map_mode = "blurry"
retention_days = 99999
"""
KEYS = [
    "bsae",
    "parameters.mapk",
    "parameters.map_mode",
    "parameters.map_k",
    "parameters.retention_days",
    "name",
]


def test_every_mistake_in_a_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(FIVE_MISTAKES)
    with pytest.raises(PolicyFileError) as caught:
        load_policy(str(path))
    assert [key for key, _ in caught.value.problems] == KEYS
    assert caught.value.key == "bsae"  # the first, as before, for the callers that read one
    problems = dict(caught.value.problems)
    assert problems["parameters.map_k"] == "0 is outside the allowed range 1 to 10000"
    assert problems["parameters.map_mode"].startswith("'blurry' is not a valid none")
    assert problems["name"] == "must be a non-empty string"


def test_policy_check_prints_one_line_a_mistake(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(FIVE_MISTAKES)
    result = CliRunner().invoke(cli, ["policy", "check", str(path)], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert [line.split(": ")[3] for line in lines] == KEYS
    assert all(line.startswith(f"error: policy: policy file {path}: ") for line in lines)


def test_a_file_with_a_bad_base_still_has_its_parameters_checked(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('base = "ring-2030"\n[parameters]\nstats_k = 0\n')
    with pytest.raises(PolicyFileError) as caught:
        load_policy(str(path))
    assert [key for key, _ in caught.value.problems] == ["base", "parameters.stats_k"]


def test_parameters_report_every_key_at_fault() -> None:
    with pytest.raises(PolicyParameterError) as caught:
        PolicyParams.from_mapping(
            PolicyParams(),
            {"map_k": 0, "no_such_knob": 1, "honour_opt_out": "yes", "min_window_minutes": 0},
        )
    assert [key for key, _ in caught.value.problems] == [
        "no_such_knob",
        "honour_opt_out",
        "min_window_minutes",
        "map_k",
    ]


def test_a_scenarios_parameter_overrides_report_every_key_at_fault() -> None:
    data = tiny_data()
    data["policy"] = {"name": "privacy-by-design", "params": {"map_k": 0, "stats_k": 0}}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    keys = [key for key, _ in caught.value.problems]
    assert "policy.params.map_k" in keys and "policy.params.stats_k" in keys


def test_a_reason_in_brackets_is_printed_not_taken_for_markup(tmp_path: Path) -> None:
    """`must be a table: [parameters]` lost its `[parameters]` to rich's markup."""
    path = tmp_path / "mine.toml"
    path.write_text("parameters = 3\n")
    result = CliRunner().invoke(cli, ["policy", "check", str(path)])
    assert result.exit_code == 2
    assert result.output.rstrip().endswith("parameters: must be a table: [parameters]")
