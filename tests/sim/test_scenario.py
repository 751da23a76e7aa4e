"""Scenario files are refused before anything runs, with the key and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.sim.scenario import (
    ScenarioError,
    load_scenario,
    load_scenario_policy,
    parse_scenario,
    with_overrides,
)
from tests.sim.worlds import tiny_data

SCENARIOS = [
    path
    for path in sorted(Path(__file__).resolve().parents[2].joinpath("scenarios").glob("*.toml"))
    if not path.name.startswith("sweep")
]


def problems_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    return dict(caught.value.problems)


def test_the_tiny_scenario_is_valid_and_hashes_stably() -> None:
    first, second = parse_scenario(tiny_data()), parse_scenario(tiny_data())
    assert first.digest() == second.digest()
    assert parse_scenario(tiny_data(seed=12)).digest() != first.digest()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenarios_validate(path: Path) -> None:
    assert load_scenario(path).city.neighborhoods


def test_a_negative_rate_names_its_key() -> None:
    data = tiny_data()
    data["incidents"]["rates_per_1000_households_per_year"]["burglary"] = -3
    problems = problems_of(data)
    assert "incidents" in problems and "burglary" in problems["incidents"]


def test_an_unknown_policy_is_refused() -> None:
    problems = problems_of({**tiny_data(), "policy": {"name": "ring-1999"}})
    assert "unknown policy 'ring-1999'" in problems["policy.name"]


def test_a_bad_policy_override_names_the_parameter() -> None:
    data = {**tiny_data(), "policy": {"name": "privacy-by-design", "params": {"map_k": 0}}}
    assert "outside the allowed range" in problems_of(data)["policy.params.map_k"]


def test_overlapping_ids_are_refused() -> None:
    data = tiny_data()
    data["agencies"][0]["id"] = "north"  # the id of a neighborhood
    data["city"]["neighborhoods"][1]["id"] = "north"
    problems = problems_of(data)
    assert problems["city.neighborhoods[1].id"] == "'north' is used twice"
    assert "already a neighborhood id" in problems["agencies[0].id"]


def test_an_empty_city_is_refused() -> None:
    data = tiny_data()
    data["city"]["neighborhoods"] = []
    problems = problems_of(data)
    assert "the city is empty" in problems["city.neighborhoods"]
    assert problems["agencies[0].serves"] == "no neighborhood 'south'"
    no_cameras = tiny_data()
    for hood in no_cameras["city"]["neighborhoods"]:
        hood["camera_adoption"] = 0.0
    assert "no household has a camera" in problems_of(no_cameras)["city.neighborhoods"]


@pytest.mark.parametrize(
    ("dotted", "value", "key", "words"),
    [
        (
            "resident_behaviour.subscription_rate",
            1.5,
            "resident_behaviour.subscription_rate",
            "less than or equal to 1",
        ),
        ("city.neighborhoods", [{"id": "x"}], "city.neighborhoods[0].group", "Field required"),
        (
            "agency_behaviour.radius_m",
            {"low": 300, "high": 100},
            "agency_behaviour.radius_m",
            "high must be at least low",
        ),
        ("run.days", 0, "run.days", "greater than 0"),
        ("run.colour", "blue", "run.colour", "Extra inputs are not permitted"),
        (
            "agency_behaviour.request_probability",
            {"burglary": 0.5},
            "agency_behaviour.request_probability",
            "needs a 'default' entry",
        ),
        ("run.start", "2019-01-01T00:00:00", "run.start", "needs a time zone"),
        # Types are strict: a quoted number is a typo to point at, not a value to convert,
        # and half a household is not a household.
        ("run.days", "42", "run.days", "Input should be a valid number"),
        ("run.seed", 7.0, "run.seed", "Input should be a valid integer"),
    ],
)
def test_each_bad_value_names_its_key(dotted: str, value: Any, key: str, words: str) -> None:
    problems = problems_of(with_overrides(tiny_data(), {dotted: value}))
    assert key in problems, problems
    assert words in problems[key]


def test_list_items_are_typed_strictly_too() -> None:
    data = tiny_data()
    data["city"]["neighborhoods"][0]["households"] = 100.5
    data["agencies"][0]["federal"] = "no"
    problems = problems_of(data)
    assert "valid integer" in problems["city.neighborhoods[0].households"]
    assert "valid boolean" in problems["agencies[0].federal"]


def test_a_missing_file_and_bad_toml_are_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(bad)


def test_a_policy_file_is_inlined_and_hashed(tmp_path: Path) -> None:
    town = (Path(__file__).resolve().parents[2] / "scenarios" / "smalltown.toml").read_text()
    (tmp_path / "narrow.toml").write_text('name = "privacy-by-design"\n[params]\nmap_k = 9\n')
    with_file = town.replace(
        '[policy]\nname = "privacy-by-design"', '[policy]\nfile = "narrow.toml"'
    )
    assert with_file != town
    (tmp_path / "town.toml").write_text(with_file)
    (tmp_path / "plain.toml").write_text(town)
    scenario = load_scenario(tmp_path / "town.toml")
    assert scenario.policy.params == {"map_k": 9}
    assert scenario.digest() != load_scenario(tmp_path / "plain.toml").digest()
    (tmp_path / "narrow.toml").write_text("[params]\nmap_k = 0\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "town.toml")
    assert "policy.params.map_k" in dict(caught.value.problems)
    (tmp_path / "narrow.toml").unlink()
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "town.toml")


@pytest.mark.parametrize(
    ("dotted", "value", "key", "words"),
    [
        # nan passed a bound check with a misleading reason, inf passed it (or hung the run).
        ("run.days", float("nan"), "run.days", "finite number"),
        (
            "incidents.rates_per_1000_households_per_year.burglary",
            float("inf"),
            "incidents.rates_per_1000_households_per_year.burglary",
            "finite number",
        ),
        (
            "incidents.rates_per_1000_households_per_year.burglary",
            float("nan"),
            "incidents.rates_per_1000_households_per_year.burglary",
            "finite number",
        ),
        (
            "agency_behaviour.radius_m.high",
            float("inf"),
            "agency_behaviour.radius_m.high",
            "finite",
        ),
        (
            "agency_behaviour.emergency_per_year",
            1e9,
            "agency_behaviour.emergency_per_year",
            "10000",
        ),
        (
            "agency_behaviour.window_minutes.high",
            1e12,
            "agency_behaviour.window_minutes.high",
            "less than or equal to",
        ),
        (
            "resident_behaviour.response_delay_hours.high",
            1e300,
            "resident_behaviour.response_delay_hours.high",
            "less than or equal to",
        ),
        ("run.start", "1800-01-01T00:00:00Z", "run.start", "between the years 1900 and 2200"),
        ("name", "../elsewhere", "name", "names the output folder"),
    ],
)
def test_absurd_values_are_refused_before_they_hang_or_crash_the_run(
    dotted: str, value: Any, key: str, words: str
) -> None:
    problems = problems_of(with_overrides(tiny_data(), {dotted: value}))
    assert key in problems, problems
    assert words in problems[key]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("north_m", float("nan")),
        ("north_m", 1e12),
        ("incident_multiplier", float("inf")),
        ("households", 10**10),
    ],
)
def test_absurd_neighborhood_values_are_refused(field: str, value: Any) -> None:
    data = tiny_data()
    data["city"]["neighborhoods"][0][field] = value
    problems = problems_of(data)
    assert any(key.startswith("city.neighborhoods") for key in problems), problems


@pytest.mark.parametrize("field", ["partnership_start_day", "partnership_end_day"])
def test_a_partnership_day_must_be_finite(field: str) -> None:
    data = tiny_data()
    data["agencies"][0][field] = float("nan")
    assert "finite number" in problems_of(data)[f"agencies[0].{field}"]


def test_a_neighborhood_no_agency_serves_is_refused() -> None:
    data = tiny_data()
    data["agencies"][0]["serves"] = ["north"]
    assert problems_of(data)["city.neighborhoods[1].id"].startswith(
        "no agency serves 'south': add it to an agency's serves"
    )


def test_police_that_never_partner_are_an_agency_whose_partnership_starts_after_the_run() -> None:
    """What the refusal above suggests, for a neighborhood without partnered police, is valid."""
    data = tiny_data()
    late = {**data["agencies"][0], "id": "county", "name": "County", "serves": ["south"]}
    late["partnership_start_day"] = data["run"]["days"] + 1
    late.pop("partnership_end_day", None)
    data["agencies"][0]["serves"] = ["north"]
    data["agencies"].append(late)
    scenario = parse_scenario(data)
    assert [a.id for a in scenario.agencies] == [data["agencies"][0]["id"], "county"]


def test_a_city_without_incidents_is_refused() -> None:
    data = tiny_data()
    data["incidents"]["rates_per_1000_households_per_year"] = {}
    assert "no incident type" in problems_of(data)["incidents.rates_per_1000_households_per_year"]
    data["city"]["neighborhoods"][0]["incident_rates"] = {"burglary": 5.0}
    parse_scenario(data)  # a neighborhood's own rate is an incident type


MODERATED_FILE = """base = "privacy-by-design"
name = "pbd-moderated"
description = "privacy-by-design with moderation"
[parameters]
map_k = 9
"""


def _town_with_policy(tmp_path: Path, policy_table: str) -> Path:
    town = (Path(__file__).resolve().parents[2] / "scenarios" / "smalltown.toml").read_text()
    with_file = town.replace('[policy]\nname = "privacy-by-design"', policy_table)
    assert with_file != town
    (tmp_path / "town.toml").write_text(with_file)
    return tmp_path / "town.toml"


def test_a_policy_file_as_serve_takes_it_runs_under_its_own_name(tmp_path: Path) -> None:
    # The file `policy check` and `serve --policy` read (docs/policies.md), not only the
    # scenario's own `name` + `[params]` form.
    (tmp_path / "moderated.toml").write_text(MODERATED_FILE)
    town = _town_with_policy(tmp_path, '[policy]\nfile = "moderated.toml"')
    scenario = load_scenario(town)
    policy = load_scenario_policy(scenario.policy)
    assert policy.name == "pbd-moderated" and policy.params.map_k == 9
    assert scenario.policy.params == {"map_k": 9}
    (tmp_path / "moderated.toml").write_text(MODERATED_FILE.replace("pbd-moderated", "pbd-other"))
    assert load_scenario(town).digest() != scenario.digest()  # the name run under is hashed
    (tmp_path / "moderated.toml").write_text(MODERATED_FILE)
    overridden = _town_with_policy(
        tmp_path, '[policy]\nfile = "moderated.toml"\nparams = { map_k = 7 }'
    )
    policy = load_scenario_policy(load_scenario(overridden).policy)
    assert policy.name == "pbd-moderated+overrides" and policy.params.map_k == 7


@pytest.mark.parametrize(
    ("content", "table", "key", "words"),
    [
        (MODERATED_FILE.replace("map_k = 9", "map_k = 0"), "", "policy.file", "parameters.map_k"),
        ('base = "nope"\n', "", "policy.file", "'nope' is not a preset"),
        ('base = "ring-2018"\nname = "ring-2019"\n', "", "policy.file", "a preset's name"),
        (MODERATED_FILE, 'name = "ring-2018"\n', "policy.name", "not both"),
    ],
)
def test_a_policy_file_in_a_scenario_is_checked_as_policy_check_checks_it(
    tmp_path: Path, content: str, table: str, key: str, words: str
) -> None:
    (tmp_path / "p.toml").write_text(content)
    town = _town_with_policy(tmp_path, f'[policy]\n{table}file = "p.toml"')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(town)
    [(found, reason)] = caught.value.problems
    assert found == key and words in reason, caught.value.problems


def test_a_scenario_may_not_label_its_policy_with_a_presets_name(tmp_path: Path) -> None:
    town = _town_with_policy(tmp_path, '[policy]\nlabel = "ring-2019"')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(town)
    assert dict(caught.value.problems) == {
        "policy.label": "a preset's name; give the policy a name of its own"
    }
