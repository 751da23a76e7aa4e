"""The engine drives the workflow services; its metrics agree with what the store holds, and
the policy, not the engine, decides what is filed and released."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.clock import SimulatedClock
from app.policies.base import Decision, ReleaseQuestion, RequestQuestion, StandardPolicy, allow
from app.policies.params import PolicyParams
from app.policies.registry import load_policy
from app.sim.engine import Engine, RunResult
from app.sim.run import simulate
from app.sim.scenario import parse_scenario
from app.sim.seeds import id_source
from app.sim.store import MemoryRunner
from app.workflow.audit import verify_chain
from app.workflow.records import Consent, FootageRequest, Notice, Release
from app.workflow.states import NoticeResponse, ReleaseBasis, RequestKind
from tests.sim.worlds import LEAKY, SMALL_AREAS, tiny_data


def run_in_memory(data: dict[str, Any], policy: Any = None) -> tuple[RunResult, MemoryRunner]:
    scenario = parse_scenario(data)
    policy = policy or load_policy("privacy-by-design")
    clock = SimulatedClock(scenario.run.start)
    runner = MemoryRunner(clock, policy, id_source(scenario.run.seed), keep_audit=True)
    return Engine(scenario, policy, scenario.run.seed, runner, clock).run_all(), runner


@pytest.fixture(scope="module")
def default_run() -> tuple[RunResult, MemoryRunner]:
    """The tiny scenario under privacy-by-design, run once for the tests that only read it."""
    return run_in_memory(tiny_data())


def test_metrics_agree_with_the_records_the_services_wrote(
    default_run: tuple[RunResult, MemoryRunner],
) -> None:
    result, runner = default_run
    store, s = runner.store, result.summary
    notices = store.find(Notice)
    responses = Counter(n.response for n in notices)
    releases = store.find(Release)
    assert s["requests_filed"] == store.count(FootageRequest) > 10
    assert s["notices"] == len(notices) > 100
    assert s["shares"] == responses[NoticeResponse.SHARED] > 0
    assert s["declines"] == responses[NoticeResponse.DECLINED] > 0
    assert s["silences"] == s["notices"] - s["shares"] - s["declines"]
    assert s["clips_released_consent"] == len(releases) > 0
    assert s["releases_revoked"] == sum(1 for r in releases if r.revoked_at) > 0
    assert s["withdrawals"] > 0 and s["opt_outs"] > 0
    assert s["residents_reached"] == len({n.resident_id for n in notices})
    entries = store.audit_entries(0, 10**9)
    assert s["audit_entries"] == result.audit_entries == len(entries)
    assert verify_chain(entries).ok and entries[-1].entry_hash == result.audit_head


def test_every_release_the_engine_caused_rests_on_a_consent_for_that_clip(
    default_run: tuple[RunResult, MemoryRunner],
) -> None:
    _, runner = default_run
    for release in runner.store.find(Release):
        consent = runner.store.get(Consent, release.consent_id) if release.consent_id else None
        assert release.basis is ReleaseBasis.CONSENT and consent is not None
        assert release.clip_id in consent.clip_ids
        assert consent.given_at <= release.released_at


def test_the_policy_refuses_requests_not_the_engine(
    default_run: tuple[RunResult, MemoryRunner],
) -> None:
    """Areas above 0.05 sq mi (radius about 203 m) are refused by the policy, with its code."""
    free = default_run[0]
    small = simulate(parse_scenario(tiny_data()), policy=SMALL_AREAS)
    assert free.summary.get("refused_area_out_of_bounds", 0) == 0
    assert small.summary["refused_area_out_of_bounds"] > 0
    assert small.summary["requests_filed"] < free.summary["requests_filed"]


def test_identity_disclosures_follow_the_policy(
    default_run: tuple[RunResult, MemoryRunner],
) -> None:
    anonymous = default_run[0]
    leaky = simulate(parse_scenario(tiny_data()), policy=LEAKY)
    assert anonymous.summary["identity_disclosures"] == 0
    assert leaky.summary["identity_disclosures"] == leaky.summary["clips_released_consent"] > 0


def test_a_late_partnership_refuses_early_requests() -> None:
    data = tiny_data(days=28)
    data["agencies"][0]["partnership_start_day"] = 21
    result = simulate(parse_scenario(data))
    assert result.summary["refused_partnership_inactive"] > 0
    assert result.summary["requests_filed"] > 0


class EmergencyAllowed(StandardPolicy):
    """A researcher's policy declaring an emergency exception (the hook's other side)."""

    def validate_request(self, q: RequestQuestion) -> Decision:
        if q.kind is RequestKind.EMERGENCY:
            return allow("Emergency declared by the operator.", "exceptions.emergency")
        return super().validate_request(q)

    def decide_release(self, q: ReleaseQuestion) -> Decision:
        if q.basis is ReleaseBasis.EMERGENCY and not q.clip_encrypted and q.clip_in_area:
            return allow("Emergency exception.", "exceptions.emergency")
        return super().decide_release(q)


def test_exception_demands_go_through_the_policy_and_the_one_gate() -> None:
    data = tiny_data(days=21)
    data["agency_behaviour"]["emergency_per_year"] = 300.0
    data["agency_behaviour"]["legal_per_year"] = 200.0
    refused = simulate(parse_scenario(data))
    assert refused.summary["refused_exception_not_allowed"] > 0
    assert refused.summary["releases_without_consent"] == 0
    allowing = EmergencyAllowed("test-emergency", PolicyParams())
    result, runner = run_in_memory(data, allowing)
    emergency = [r for r in runner.store.find(Release) if r.basis is ReleaseBasis.EMERGENCY]
    assert result.summary["clips_released_emergency"] == len(emergency) > 0
    assert result.summary["releases_without_consent"] == len(emergency)
    assert all(r.justification and r.approved_by for r in emergency)
    assert result.summary["refused_exception_not_allowed"] > 0  # legal is still refused


def test_weekly_rows_add_up_to_the_summary(default_run: tuple[RunResult, MemoryRunner]) -> None:
    result = default_run[0]
    assert len(result.weekly) == 6  # 42 days
    for key in ("requests_filed", "notices", "shares", "declines", "silences"):
        assert sum(row[key] for row in result.weekly) == result.summary[key]
    reach = [row["area_within_reach"] for row in result.weekly]
    assert reach == sorted(reach) and reach[-1] == result.summary["area_within_reach"] > 0


def test_fairness_counts_per_group(default_run: tuple[RunResult, MemoryRunner]) -> None:
    result = default_run[0]
    s = result.summary
    a, b = s["notices_per_1000_a"], s["notices_per_1000_b"]
    assert a > 0 and b > 0
    assert s["notices_per_1000_max_min_ratio"] == round(max(a, b) / min(a, b), 6)


def test_runs_stop_at_the_end_of_the_scenario() -> None:
    scenario = parse_scenario(tiny_data(days=10))
    policy = load_policy("privacy-by-design")
    clock = SimulatedClock(scenario.run.start)
    runner = MemoryRunner(clock, policy, id_source(1), keep_audit=True)
    Engine(scenario, policy, 1, runner, clock).run_all()
    end: datetime = scenario.run.start + timedelta(days=10)
    assert clock.now() == end
    assert all(e.at <= end for e in runner.store.audit_entries(0, 10**9))


def test_a_head_only_run_writes_the_same_log_as_a_full_one(
    default_run: tuple[RunResult, MemoryRunner],
) -> None:
    """simulate() keeps only the audit head; the services must still find what they look up
    (the policy's parameters, logged once per hash), or the log would differ from a full run's."""
    full, runner = default_run
    head_only = simulate(parse_scenario(tiny_data()))
    assert (head_only.audit_entries, head_only.audit_head) == (
        full.audit_entries,
        full.audit_head,
    )
    policy_entries = [
        e for e in runner.store.audit_entries(0, 10**9) if e.action == "decision.policy"
    ]
    assert len(policy_entries) == 1


def test_a_head_only_store_keeps_just_the_merkle_frontier() -> None:
    from app.sim.store import HeadOnlyAuditStore
    from app.store.memory import MemoryStore
    from app.workflow import audit, merkle
    from app.workflow.context import SYSTEM, Ctx

    policy = load_policy("privacy-by-design")
    start = datetime(2020, 1, 1, tzinfo=UTC)
    full = Ctx(MemoryStore(), SimulatedClock(start), policy, id_source(3))
    head_store = HeadOnlyAuditStore()
    head_store.FOLD_EVERY = 8  # fold (and prune) often, to see it happen
    head = Ctx(head_store, SimulatedClock(start), policy, id_source(3))
    for n in range(77):
        for ctx in (full, head):
            audit.record(ctx, SYSTEM, "test.step", "test", n, {"n": n})
        assert len(head_store._nodes) <= 8 + 2 * 7 and len(head_store._leaves) < 8
        size = n + 1
        keys = merkle.frontier_keys(size)
        assert head_store.merkle_nodes(keys) == full.store.merkle_nodes(keys)
        assert set(head_store._nodes) == set(keys)  # a read folds, and keeps the frontier
        assert head_store.audit_tail() == full.store.audit_tail()
        assert audit.root_at(full, size) == merkle.root_from_frontier(
            size, head_store.merkle_nodes(keys)
        )
    with pytest.raises(NotImplementedError):
        head_store.audit_find(action="test.step", subject_id="1")
    with pytest.raises(NotImplementedError):
        head_store.merkle_nodes([(0, 0)])


def test_the_reach_share_counted_as_cells_are_reached_is_the_intersection() -> None:
    from app.sim.metrics import Metrics, cells_in_circle

    start = datetime(2020, 1, 1, tzinfo=UTC)
    city = cells_in_circle(28.04, -81.95, 900.0)
    metrics = Metrics(start, set(city), {"a": 1})
    circles = [(28.04, -81.95, 150.0), (28.045, -81.95, 300.0), (28.04, -81.95, 150.0)]
    circles.append((28.2, -81.7, 200.0))  # outside the city: reached, but not the city's area
    for n, circle in enumerate(circles):
        metrics.request_filed(start + timedelta(days=n), group="a", circle=circle, notices=[])
        expected = len(metrics.reached_cells & metrics.city_cells) / len(metrics.city_cells)
        assert metrics.reach_share() == expected
        assert metrics.reach_by_week[-1] == expected
    assert 0 < metrics.reach_share() < 1
