"""A neighborhood's own incident rates: they replace the city-wide rate times the multiplier for
the types they name, are refused when negative with their key, and leave a scenario's hash
alone when no neighborhood sets any."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.clock import SimulatedClock
from app.policies.registry import load_policy
from app.sim.engine import Engine
from app.sim.run import simulate
from app.sim.scenario import ScenarioError, load_scenario, parse_scenario
from app.sim.seeds import id_source
from app.sim.store import MemoryRunner
from tests.sim.worlds import tiny_data

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def scheduled_rates(data: dict[str, Any]) -> dict[tuple[str, str], float]:
    """(neighborhood, type) -> incidents per day, as the engine schedules them."""
    scenario = parse_scenario(data)
    clock = SimulatedClock(scenario.run.start)
    policy = load_policy("privacy-by-design")
    runner = MemoryRunner(clock, policy, id_source(1))
    engine = Engine(scenario, policy, scenario.run.seed, runner, clock)
    engine._schedule_incidents()
    return {
        (payload[0], payload[1]): payload[2]
        for _, _, kind, payload in engine.queue
        if kind == "incident"
    }


def test_an_own_rate_replaces_the_city_rate_and_its_multiplier() -> None:
    data = tiny_data(days=365)  # long enough that every type's first incident falls inside
    north = data["city"]["neighborhoods"][0]  # 220 households, incident_multiplier 2
    north["incident_rates"] = {"burglary": 50.0, "arson": 500.0}
    rates = scheduled_rates(data)
    assert rates[("north", "burglary")] == pytest.approx(50.0 / 1000 * 220 / 365.25)
    assert rates[("north", "arson")] == pytest.approx(500.0 / 1000 * 220 / 365.25)
    # The types it does not name keep the city-wide rate times the multiplier.
    assert rates[("north", "larceny")] == pytest.approx(200.0 / 1000 * 220 * 2.0 / 365.25)
    assert ("south", "arson") not in rates
    assert rates[("south", "burglary")] == pytest.approx(300.0 / 1000 * 180 / 365.25)


def test_a_neighborhood_without_incidents_gets_no_requests() -> None:
    data = tiny_data()
    data["city"]["neighborhoods"][0]["incident_rates"] = {"burglary": 0.0, "larceny": 0.0}
    summary = simulate(parse_scenario(data)).summary
    assert summary["requests_per_1000_a"] == 0  # north is group a
    assert summary["requests_per_1000_b"] > 0
    before = simulate(parse_scenario(tiny_data())).summary
    assert before["requests_per_1000_a"] > 0  # so the zero above is the rates' doing


def test_a_negative_own_rate_names_its_key() -> None:
    data = tiny_data()
    data["city"]["neighborhoods"][1]["incident_rates"] = {"burglary": -1.0}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    problems = dict(caught.value.problems)
    assert "greater than or equal to 0" in problems["city.neighborhoods[1].incident_rates.burglary"]


# Lakeview's hash as manifests recorded it before neighborhoods had incident_rates (66049b8):
# a scenario that sets none must keep it, or earlier runs no longer match their scenario.
LAKEVIEW_BEFORE = "d3d0e1624d1fbe60b395fdcd9e3ebebcecf50cfbbf89c576ad9ac42d346acb75"


def test_a_scenario_without_own_rates_keeps_its_earlier_hash() -> None:
    assert load_scenario(SCENARIOS / "lakeview.toml").digest() == LAKEVIEW_BEFORE


def test_the_hash_moves_only_when_a_neighborhood_sets_rates() -> None:
    plain = parse_scenario(tiny_data()).digest()
    data = tiny_data()
    data["city"]["neighborhoods"][0]["incident_rates"] = {}
    assert parse_scenario(data).digest() == plain
    data["city"]["neighborhoods"][0]["incident_rates"] = {"burglary": 5.0}
    assert parse_scenario(data).digest() != plain
