"""A sweep's parameters, refused with words that say what to do: a Latin hypercube over a
count draws decimals unless its bounds say `integer = true`, and a key with an empty part names
nothing in the scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.sim.scenario import ScenarioError
from app.sim.sweep import load_sweep
from tests.sim.test_sweep import write_sweep

HYPERCUBE = 'method = "latin-hypercube"\nsamples = 3\n[parameters]\n'


def problems_of(tmp_path: Path, body: str) -> dict[str, str]:
    with pytest.raises(ScenarioError) as caught:
        load_sweep(write_sweep(tmp_path, body))
    return dict(caught.value.problems)


@pytest.mark.parametrize(
    "key",
    [
        "resident_behaviour.opt_out_after_notices",  # a scenario count (pydantic's words)
        "policy.params.map_k",  # a policy's count (the policy parameters' own words)
    ],
)
def test_a_drawn_decimal_for_a_count_suggests_integer_true(tmp_path: Path, key: str) -> None:
    problems = problems_of(tmp_path, HYPERCUBE + f'"{key}" = {{ low = 1, high = 5 }}\n')
    assert list(problems) == [f"point 0 {key}"], problems
    assert "integer = true" in problems[f"point 0 {key}"]


def test_integer_true_draws_whole_numbers(tmp_path: Path) -> None:
    key = "resident_behaviour.opt_out_after_notices"
    sweep = load_sweep(
        write_sweep(tmp_path, HYPERCUBE + f'"{key}" = {{ low = 1, high = 5, integer = true }}\n')
    )
    assert all(isinstance(p[key], int) and 1 <= p[key] <= 5 for p in sweep.points)


def test_a_decimal_refused_for_another_reason_gets_no_hint(tmp_path: Path) -> None:
    key = "resident_behaviour.subscription_rate"
    problems = problems_of(tmp_path, HYPERCUBE + f'"{key}" = {{ low = 2, high = 3 }}\n')
    assert "integer = true" not in problems[f"point 0 {key}"], problems


@pytest.mark.parametrize("key", ["", ".", "resident_behaviour.", ".run.days", "run..days"])
def test_a_key_with_an_empty_part_is_refused_when_the_file_is_read(
    tmp_path: Path, key: str
) -> None:
    problems = problems_of(tmp_path, f'[parameters]\n"{key}" = [1]\n')
    assert list(problems) == [f'parameters."{key}"'], problems
    assert "empty part" in problems[f'parameters."{key}"']
