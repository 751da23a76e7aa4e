"""Policy parameters refuse bad values by name, and the registry finds policies."""

from __future__ import annotations

import pytest

from app.policies import PolicyNotFound, StandardPolicy, load_policy
from app.policies.params import PolicyParameterError, PolicyParams, ResponseStats
from app.policies.registry import NotAPolicy


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"map_k": 0}, "map_k"),
        ({"max_area_sq_mi": 0.01}, "max_area_sq_mi"),
        ({"retention_days": -1}, "retention_days"),
        ({"response_stats": "sometimes"}, "response_stats"),
        ({"honour_opt_out": "yes"}, "honour_opt_out"),
        ({"refused_incident_types": "protest"}, "refused_incident_types"),
        ({"lookback_days": 1.5}, "lookback_days"),
        ({"no_such_knob": 1}, "no_such_knob"),
    ],
)
def test_bad_parameters_are_refused_by_name(overrides: dict[str, object], key: str) -> None:
    with pytest.raises(PolicyParameterError) as caught:
        PolicyParams.from_mapping(PolicyParams(), overrides)
    assert caught.value.key == key
    assert key in str(caught.value)


def test_overrides_apply_and_change_the_hash() -> None:
    base = PolicyParams()
    changed = PolicyParams.from_mapping(base, {"map_k": 10, "response_stats": "raw"})
    assert changed.map_k == 10 and changed.response_stats is ResponseStats.RAW
    assert changed.digest() != base.digest()
    assert PolicyParams.from_mapping(base, {}).digest() == base.digest()


def test_the_remembered_digest_is_always_the_asked_objects_own() -> None:
    """digest() remembers the last object asked; asking others in turn must not mix them up."""
    from app.policies import params

    base = PolicyParams()
    changed = PolicyParams.from_mapping(base, {"map_k": 10})
    equal = PolicyParams.from_mapping(base, {})
    for p in (base, base, changed, equal, changed, changed, base):
        assert p.digest() == params._digest(p)


def test_registry_finds_presets_and_researchers_policies() -> None:
    assert load_policy("privacy-by-design").name == "privacy-by-design"
    mine = load_policy("app.policies.privacy_by_design:POLICY")
    assert isinstance(mine, StandardPolicy)
    for name in ("nope", "app.policies.privacy_by_design:MISSING", "no.such.module:X"):
        with pytest.raises(PolicyNotFound):
            load_policy(name)


class _NoMethods:
    name, version, params = "half", "1", PolicyParams()


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("os:path", "it lacks name, version, params, validate_request"),
        ("app.policies.base:StandardPolicy", "the class cannot be made without arguments"),
        (f"{__name__}:_NoMethods", "it lacks validate_request, may_notify, decide_release"),
    ],
)
def test_a_module_attribute_that_is_not_a_policy_is_named(name: str, says: str) -> None:
    """Not an AttributeError at the policy's first use (a traceback from `serve`)."""
    with pytest.raises(NotAPolicy) as caught:
        load_policy(name)
    assert f"{name!r} is not a policy: {says}" in str(caught.value)
    assert isinstance(caught.value, PolicyNotFound)  # every command already reports those


def test_suppressed_counts_hide_the_parts_together() -> None:
    policy = StandardPolicy("t", PolicyParams(stats_k=5))
    shown = policy.response_counts({"notified": 20, "shared": 2, "not_shared": 18})
    # Showing not_shared = 18 next to notified = 20 would reveal shared = 2.
    assert shown == {"notified": 20, "shared": None, "not_shared": None}
    assert policy.response_counts({"notified": 20, "shared": 6, "not_shared": 14}) == {
        "notified": 20,
        "shared": 6,
        "not_shared": 14,
    }
    assert policy.response_counts({"notified": 3, "shared": 0, "not_shared": 3}) == {
        "notified": None,
        "shared": None,
        "not_shared": None,
    }


def test_a_policy_that_cannot_be_imported_says_why_for_every_command() -> None:
    """The registry, which serve, simulate, compare, sweep and verify share, gives Python's
    reason and, for a module not on the path, how to put the current folder there."""
    with pytest.raises(PolicyNotFound) as missing:
        load_policy("my_own_policies:STRICT")
    assert "(ModuleNotFoundError: No module named 'my_own_policies')" in str(missing.value)
    assert "holds 'my_own_policies', starting it with PYTHONPATH=." in str(missing.value)
    with pytest.raises(PolicyNotFound) as typo:
        load_policy("app.sim.example_policies:CONTACT_ON_SHAER")
    assert "AttributeError" in str(typo.value) and "CONTACT_ON_SHAER" in str(typo.value)
    assert "PYTHONPATH" not in str(typo.value)
