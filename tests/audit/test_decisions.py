"""Every decision is logged with its policy, input, result, rules and reason, refusals too
(after the rollback, changing no state); replay asks each again under its logged policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.audit.replay import resolve_logged_policy
from app.cli import cli
from app.policies.base import Decision, ReleaseQuestion, StandardPolicy, deny
from app.policies.params import PolicyParams
from tests.factories import World


def _entries(world: World) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = world.ok("GET", "/audit/entries?limit=1000", world.auditor)["data"]
    return data


def _decisions(world: World, point: str) -> list[dict[str, Any]]:
    return [e["data"] for e in _entries(world) if e["action"] == f"decision.{point}"]


def _flow(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    world.resident(north_m=40, name="Opted Out")
    opted = world.resident(north_m=60, name="Opted Out Two")
    world.ok("PUT", "/me/settings", opted.headers, json={"opted_out": True})
    request = world.file(agency)
    world.share(dana, request["id"], dana.clips[:1])
    refused = world.client.post(
        "/portal/requests", headers=agency.headers, json=world.request_body(radius_m=1000)
    )
    assert refused.json()["code"] == "area_out_of_bounds"


def test_each_decision_explains_itself(world: World) -> None:
    _flow(world)
    allowed, refused = _decisions(world, "request")
    assert allowed["result"] == "allow" and allowed["about"]["type"] == "request"
    assert refused["result"] == "deny" and refused["code"] == "area_out_of_bounds"
    assert refused["rules"] == ["max_area_sq_mi"] and "square miles" in refused["reason"]
    assert refused["input"]["radius_m"] == 1000
    policy = refused["policy"]
    assert policy["name"] == "privacy-by-design" and policy["version"] == "1"
    assert len(policy["parameter_hash"]) == 64
    logged_policies = [e for e in _entries(world) if e["action"] == "decision.policy"]
    assert len(logged_policies) == 1
    assert logged_policies[0]["subject_id"] == policy["parameter_hash"]
    notices = _decisions(world, "notice")
    assert sorted(n["result"] for n in notices) == ["allow", "allow", "deny"]
    assert [n["code"] for n in notices if n["result"] == "deny"] == ["opted_out"]
    [release] = _decisions(world, "release")
    assert release["result"] == "allow" and release["rules"] == ["I1", "I8"]
    ids = [d["decision_id"] for d in (*_decisions(world, "request"), *notices, release)]
    assert len(set(ids)) == len(ids)


def test_replay_finds_nothing_when_the_rules_stand(world: World) -> None:
    _flow(world)
    report = world.ok("GET", "/audit/replay", world.auditor)
    assert report["ok"] and report["replayed"] == 6 and report["findings"] == []


def test_replay_names_decisions_a_changed_rule_would_flip(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _flow(world)

    def stricter(self: StandardPolicy, q: ReleaseQuestion) -> Decision:
        return deny("new_rule", "A rule added without a new version.")

    monkeypatch.setattr(StandardPolicy, "decide_release", stricter)
    report = world.ok("GET", "/audit/replay", world.auditor)
    assert not report["ok"]
    [finding] = report["findings"]
    assert finding["point"] == "release" and finding["kind"] == "differs"
    assert finding["logged"] == "allowed (rules: I1, I8)"
    assert finding["now"] == "new_rule (rules: new_rule)"


STRICT = StandardPolicy("privacy-by-design", PolicyParams(max_area_sq_mi=0.1))


@pytest.mark.parametrize("policy", [STRICT])
def test_replay_uses_the_logged_parameters_not_todays(world: World) -> None:
    agency = world.agency()
    refused = world.client.post(
        "/portal/requests", headers=agency.headers, json=world.request_body(radius_m=300)
    )
    assert refused.json()["code"] == "area_out_of_bounds"  # 0.109 sq mi > 0.1 here, < 0.5 today
    report = world.ok("GET", "/audit/replay", world.auditor)
    assert report["ok"] and report["replayed"] == 1


def test_the_replay_command(
    world: World, db_cli_args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _flow(world)
    args = ["audit", "replay", *db_cli_args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and "replayed 6 decisions: 0 now come out differently" in (
        result.output
    )
    monkeypatch.setattr(
        StandardPolicy, "may_notify", lambda self, *, opted_out: deny("closed", "No notices.")
    )
    result = CliRunner().invoke(cli, args)
    # Two notices sent and one withheld (opted_out): all three answers change.
    assert result.exit_code == 1 and "3 now come out differently" in result.output
    assert "logged opted_out (rules: honour_opt_out), now closed (rules: closed)" in result.output


# A policy file's policy: the standard rules under a name that is no preset's.
WIDE = StandardPolicy("pbd-wide", PolicyParams(max_area_sq_mi=0.9), "privacy-by-design, wider")


@pytest.mark.parametrize("policy", [WIDE])
def test_the_service_replays_decisions_made_under_the_policy_it_serves(world: World) -> None:
    _flow(world)
    report = world.ok("GET", "/audit/replay", world.auditor)
    assert report["ok"] and report["replayed"] == 6 and report["findings"] == []


@pytest.mark.parametrize(
    "policy", [StandardPolicy("privacy-by-design+overrides", PolicyParams(max_area_sq_mi=0.9))]
)
def test_a_scenarios_overrides_replay_under_the_policy_they_override(world: World) -> None:
    # The run's outputs name it `<policy>+overrides` (app/sim/scenario.py); a served simulated
    # year's log is replayed with the standard rules and the logged parameters.
    _flow(world)
    report = world.ok("GET", "/audit/replay", world.auditor)
    assert report["ok"] and report["replayed"] == 6 and report["findings"] == []


@pytest.mark.parametrize("policy", [WIDE])
def test_the_replay_command_takes_the_policy_file_the_log_names(
    world: World, db_cli_args: list[str], tmp_path: Path
) -> None:
    _flow(world)
    args = ["audit", "replay", *db_cli_args]
    unknown = CliRunner().invoke(cli, args)
    assert unknown.exit_code == 0 and "0 now come out differently, 6 could not" in unknown.output
    assert "unknown policy 'pbd-wide': not a preset" in unknown.output
    assert "--policy" in unknown.output
    wide = tmp_path / "wide.toml"
    wide.write_text(
        'base = "privacy-by-design"\nname = "pbd-wide"\n[parameters]\nmax_area_sq_mi = 0.9\n'
    )
    named = CliRunner().invoke(cli, [*args, "--policy", str(wide)])
    assert named.exit_code == 0 and "replayed 6 decisions: 0 now come out differently, 0 could" in (
        named.output
    )
    missing = CliRunner().invoke(cli, [*args, "--policy", str(tmp_path / "none.toml")])
    assert (
        missing.exit_code == 2
        and "--policy" in missing.output
        and "does not exist" in (missing.output)
    )


@pytest.mark.parametrize(
    "name",
    [
        "app.policies.ring_2018:POLICY",  # a module a log could name: never imported for it
        "scenarios/policy.toml",  # nor a file read
        "+overrides",
    ],
)
def test_replay_resolves_only_presets_and_the_policies_it_is_given(name: str) -> None:
    meta = {"name": name, "version": "1", "parameter_hash": PolicyParams().digest()}
    with pytest.raises(LookupError, match="not a preset"):
        resolve_logged_policy(meta)
    assert resolve_logged_policy(meta, [StandardPolicy(name, PolicyParams())]).name == name
