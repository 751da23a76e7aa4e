"""Every summary metric the engine emits has a catalogue entry, and metrics sort by group."""

from __future__ import annotations

import random
from typing import Any

import pytest

from app.policies.registry import load_policy
from app.sim.metric_catalog import GROUPS, describe, info, ordered
from app.sim.run import simulate
from app.sim.scenario import parse_scenario
from tests.sim.worlds import tiny_data


def busy_data() -> dict[str, Any]:
    """The tiny city made to emit every family: a late partnership (refused_), emergency and
    legal demands refused by a policy (refused_exception_...) or met with encrypted clips at
    the gate (refused_gate_...), and two neighbourhood groups (the per-1,000 figures)."""
    data = tiny_data(days=28)
    data["agencies"][0]["partnership_start_day"] = 14
    data["agency_behaviour"]["emergency_per_year"] = 300.0
    data["agency_behaviour"]["legal_per_year"] = 300.0
    data["city"]["neighborhoods"][0]["encryption_adoption"] = 0.5
    return data


@pytest.fixture(scope="module")
def emitted() -> set[str]:
    scenario = parse_scenario(busy_data())
    keys: set[str] = set()
    for name in ("ring-2019", "ring-rfa-2021", "privacy-by-design"):
        keys |= set(simulate(scenario, policy=load_policy(name)).summary)
    return keys


def test_every_metric_the_engine_emits_is_described(emitted: set[str]) -> None:
    # The run must reach the dynamic families, or this test would pass without checking them.
    assert {"refused_partnership_terms_missing", "refused_gate_end_to_end_encrypted"} <= emitted
    assert {"requests_per_1000_a", "notices_per_1000_b", "notices_per_1000_max_min_ratio"} <= (
        emitted
    )
    missing = sorted(k for k in emitted if describe(k) is None)
    assert missing == [], f"no catalogue entry for {missing}"
    for key in emitted:
        entry = info(key)
        assert entry.group in GROUPS and entry.label and entry.definition.endswith(".")


def test_families_fill_in_their_suffix_and_ratios_are_not_groups() -> None:
    gate = info("refused_gate_end_to_end_encrypted")
    assert gate.label == "gate refused: end to end encrypted"
    assert "code end_to_end_encrypted" in gate.definition and "release gate" in gate.definition
    assert info("refused_partnership_inactive").label == "refused: partnership inactive"
    ratio = info("notices_per_1000_max_min_ratio")
    assert ratio.label == "notices per 1,000: max/min ratio" and "max_min" not in ratio.definition
    assert info("notices_per_1000_lower-income").label == "notices per 1,000 households " + (
        "(lower-income)"
    )
    assert describe("no_such_metric") is None
    assert info("no_such_metric").group == "uncatalogued"


def test_order_is_by_group_then_catalogue_whatever_order_keys_arrive_in(
    emitted: set[str],
) -> None:
    expected_head = [
        "requests_filed",
        "requests_refused",
        "refused_exception_not_allowed",
        "refused_partnership_inactive",
        "refused_partnership_terms_missing",
        "refused_gate_end_to_end_encrypted",
        "notices",
        "notices_per_request",
    ]
    keys = sorted(emitted)
    random.Random(3).shuffle(keys)
    order = ordered(keys)
    assert order == ordered(sorted(emitted)) == ordered(reversed(keys))
    assert order[: len(expected_head)] == expected_head
    assert order[-2:] == ["cameras", "audit_entries"]
    fairness = [k for k in order if info(k).group == "fairness"]
    assert fairness == [
        "requests_per_1000_a",
        "requests_per_1000_b",
        "requests_per_1000_max_min_ratio",
        "notices_per_1000_a",
        "notices_per_1000_b",
        "notices_per_1000_max_min_ratio",
    ]
    groups = [GROUPS.index(info(k).group) for k in order]
    assert groups == sorted(groups)
    # An unknown key goes last, not first and not dropped.
    assert ordered([*keys, "aaa_unknown"])[-1] == "aaa_unknown"
