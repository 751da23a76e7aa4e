"""No race breaks consent (issue 8): conflicting steps on separate connections, released
together at a barrier, many trials, both orders; then the invariants over the whole history.

Commit order is read from the audit log: every state change appends one entry in its own
transaction, so entry order is the order in which the changes committed.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest

from app.clock import SimulatedClock
from app.config import Settings
from app.policies.base import StandardPolicy
from app.policies.params import PolicyParams
from app.runtime import Runtime
from app.workflow import gate, operator, requests, responses
from app.workflow.context import Actor, Ctx
from app.workflow.errors import PartnershipInactive, RuleViolation
from app.workflow.records import Consent, FootageRequest, Release
from app.workflow.states import ConsentStatus, PartnershipStatus, Role
from tests.conftest import START
from tests.factories import CITY, offset
from tests.scale.races import (
    OPERATOR,
    active_agency,
    assert_chain_verifies,
    both_orders_expected,
    resident_with_clip,
    run_together,
    stress_trials_per_kind,
    trials_per_kind,
    unexpected,
)


def cooling_off_for(shares: int) -> StandardPolicy:
    """Shares are made a second apart and every one must still be held when the last is made,
    so the delay outlasts them all (10,000 trials in `make stress` are 2,500 shares: 42 min)."""
    minutes = max(10, shares // 60 + 2)
    return StandardPolicy("race-cooling-off", PolicyParams(cooling_off_minutes=minutes))


DEFAULT = StandardPolicy("race-default", PolicyParams())
# Clips are recorded three hours before the test clock starts; every request covers them.
START_OF_WINDOW = START - timedelta(hours=3, minutes=5)


@pytest.fixture
def runtime_for(settings: Settings, clock: SimulatedClock) -> Iterator[object]:
    built: list[Runtime] = []

    def build(policy: StandardPolicy) -> Runtime:
        runtime = Runtime.build(settings, clock=clock, policy=policy)
        built.append(runtime)
        return runtime

    yield build
    for runtime in built:
        runtime.db.dispose()


def draft(*, north_m: float = 0, east_m: float = 0, case: str) -> requests.RequestDraft:
    lat, lng = offset(*CITY, north_m, east_m)
    return requests.RequestDraft(
        case_number=case,
        incident_type="burglary",
        description="Race trial",
        center_lat=lat,
        center_lng=lng,
        radius_m=200,
        window_start=START_OF_WINDOW,
        window_end=START_OF_WINDOW + timedelta(hours=1),
    )


def test_withdrawal_racing_a_due_release(runtime_for, clock: SimulatedClock) -> None:
    """Cooling-off: a consent becomes due while its resident withdraws it."""
    n = trials_per_kind()
    runtime: Runtime = runtime_for(cooling_off_for(n))
    rng = random.Random(8001)

    def setup(ctx: Ctx) -> tuple[UUID, list[tuple[UUID, UUID]]]:
        agency_id = active_agency(ctx)
        people = []
        for _ in range(n):
            # Every camera inside one 200 m request: a random point within 150 m.
            r, a = 150 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
            people.append(resident_with_clip(ctx, north_m=r * math.cos(a), east_m=r * math.sin(a)))
        request = requests.file_request(
            ctx,
            Actor(Role.AGENCY, agency_id, "Officer"),
            agency_id=agency_id,
            draft=draft(case="RACE-1"),
        )
        return request.id, [(res.id, clip.id) for res, clip in people]

    request_id, people = runtime.write(setup)
    consents: list[Consent] = []
    for resident_id, clip_id in people:
        clock.advance(timedelta(seconds=1))  # consents fall due one at a time
        consent, released = runtime.write(
            lambda ctx, r=resident_id, c=clip_id: responses.share(
                ctx, Actor(Role.RESIDENT, r), resident_id=r, request_id=request_id, clip_ids=[c]
            )
        )
        assert released == []  # the cooling-off holds it back
        consents.append(consent)

    orders: Counter[str] = Counter()
    for i, consent in enumerate(consents):
        clock.set(consent.release_after)  # consent i, and no later one, is now due

        def withdraw(c: Consent = consent) -> Consent:
            return runtime.write(
                lambda ctx: responses.withdraw(
                    ctx,
                    Actor(Role.RESIDENT, c.resident_id),
                    resident_id=c.resident_id,
                    consent_id=c.id,
                )
            )

        outcomes = run_together(
            [withdraw, lambda: runtime.write(gate.release_due)], first=i % 2, rng=rng
        )
        assert unexpected(outcomes) == [], outcomes
        assert outcomes[0].ok, outcomes[0]  # a withdrawal is always accepted
        orders["release first" if outcomes[1].value else "withdrawal first"] += 1

    entries = assert_chain_verifies(runtime)
    withdrawn_at: dict[str, int] = {}
    for entry in entries:
        if entry.action == "consent.withdrawn":
            withdrawn_at[entry.subject_id] = entry.seq
        if entry.action == "release.created":
            consent_id = entry.data["consent_id"]
            assert consent_id not in withdrawn_at, f"release after withdrawal of {consent_id}"
    stored = runtime.read(lambda ctx: ctx.store.find(Consent))
    assert [c.status for c in stored] == [ConsentStatus.WITHDRAWN] * n, "a withdrawal was lost"
    releases = runtime.read(lambda ctx: ctx.store.find(Release))
    assert all(r.revoked_at is not None for r in releases), "a release outlived its withdrawal"
    assert len({(r.request_id, r.clip_id) for r in releases}) == len(releases)
    if both_orders_expected():
        assert orders["release first"] > 0 and orders["withdrawal first"] > 0, orders


def share_trial_spot(i: int, n: int) -> tuple[float, float]:
    """Trial i of n: cameras 400 m apart, on a grid centred on the agency, so that make stress's
    2,500 trials (a 50 x 50 grid, a corner 13.9 km out) stay inside its 20 km jurisdiction;
    from the corner, the grid reached 27.7 km and filing failed with area_outside_jurisdiction."""
    side = math.ceil(math.sqrt(n))
    half = (side - 1) / 2
    return (i // side - half) * 400.0, (i % side - half) * 400.0


def file_share_trials(
    ctx: Ctx, n: int, only: list[int] | None = None
) -> list[tuple[UUID, UUID, UUID]]:
    """Trials of n (all, or `only` these): each a resident with one clip and a request of 200 m
    of its own, as (resident, request, clip)."""
    agency_id = active_agency(ctx)
    officer = Actor(Role.AGENCY, agency_id, "Officer")
    out = []
    for i in range(n) if only is None else only:
        north, east = share_trial_spot(i, n)
        resident, clip = resident_with_clip(ctx, north_m=north, east_m=east)
        request = requests.file_request(
            ctx,
            officer,
            agency_id=agency_id,
            draft=draft(north_m=north, east_m=east, case=f"S-{i}"),
        )
        out.append((resident.id, request.id, clip.id))
    return out


def test_the_stress_size_share_trials_fit_the_jurisdiction(runtime_for) -> None:
    """`make stress` runs the races at a size `make test` never reaches: its share trials' grid
    once outgrew the agency's jurisdiction and the stress run failed before racing anything.
    Filing at that size's farthest spots, without the races, keeps it in view."""
    n = stress_trials_per_kind()
    reach = {i: math.hypot(*share_trial_spot(i, n)) for i in range(n)}
    most = max(reach.values())
    farthest = [i for i, metres in reach.items() if metres == most]
    runtime: Runtime = runtime_for(DEFAULT)
    trials = runtime.write(lambda ctx: file_share_trials(ctx, n, only=farthest))
    assert len(trials) == len(farthest) >= 1


def test_two_shares_of_the_same_request(runtime_for, clock: SimulatedClock) -> None:
    """The same resident shares the same clip twice at once: one release, never two."""
    n = trials_per_kind()
    runtime: Runtime = runtime_for(DEFAULT)
    rng = random.Random(8002)
    trials = runtime.write(lambda ctx: file_share_trials(ctx, n))
    orders: Counter[int] = Counter()
    for i, (resident_id, request_id, clip_id) in enumerate(trials):

        def share(
            resident_id: UUID = resident_id, request_id: UUID = request_id, clip_id: UUID = clip_id
        ) -> tuple[Consent, list[Release]]:
            return runtime.write(
                lambda ctx: responses.share(
                    ctx,
                    Actor(Role.RESIDENT, resident_id),
                    resident_id=resident_id,
                    request_id=request_id,
                    clip_ids=[clip_id],
                )
            )

        outcomes = run_together([share, share], first=i % 2, rng=rng)
        assert unexpected(outcomes) == [], outcomes
        releasing = [k for k, o in enumerate(outcomes) if o.ok and o.value[1]]
        assert len(releasing) == 1, (i, outcomes)
        orders[releasing[0]] += 1

    releases = runtime.read(lambda ctx: ctx.store.find(Release))
    assert len(releases) == n
    assert len({(r.request_id, r.clip_id) for r in releases}) == n, "a clip was released twice"
    assert_chain_verifies(runtime)
    if both_orders_expected():
        assert orders[0] > 0 and orders[1] > 0, orders


def test_request_filed_while_the_partnership_ends(runtime_for, clock: SimulatedClock) -> None:
    """No request commits after its agency's partnership ended."""
    n = trials_per_kind()
    runtime: Runtime = runtime_for(DEFAULT)
    rng = random.Random(8003)
    agencies = runtime.write(lambda ctx: [active_agency(ctx) for _ in range(n)])
    orders: Counter[str] = Counter()
    # No cameras there (inside the 20 km jurisdiction): the trial is about the partnership.
    far = {"north_m": 15_000.0}

    for i, agency_id in enumerate(agencies):
        officer = Actor(Role.AGENCY, agency_id, "Officer")
        outcomes = run_together(
            [
                lambda a=agency_id, o=officer: runtime.write(
                    lambda ctx: requests.file_request(
                        ctx, o, agency_id=a, draft=draft(case="P", **far)
                    )
                ),
                lambda a=agency_id: runtime.write(
                    lambda ctx: operator.set_partnership(
                        ctx, OPERATOR, agency_id=a, status=PartnershipStatus.ENDED
                    )
                ),
            ],
            first=i % 2,
            rng=rng,
        )
        assert unexpected(outcomes) == [], outcomes
        assert outcomes[1].ok, outcomes[1]
        if outcomes[0].ok:
            orders["filed first"] += 1
        else:
            assert isinstance(outcomes[0].error, PartnershipInactive), outcomes[0]
            orders["ended first"] += 1

    entries = assert_chain_verifies(runtime)
    ended: set[str] = set()
    for entry in entries:
        if entry.action == "partnership.changed" and entry.data["status"] == "ended":
            ended.add(entry.data["agency_id"])
        if entry.action == "request.filed":
            assert entry.data["agency_id"] not in ended, "a request was filed after its end"
    if both_orders_expected():
        assert orders["filed first"] > 0 and orders["ended first"] > 0, orders


# Per-agency limits race the same way; add a (policy, same-scope drafts) case here when a
# policy defines one (the per-agency request rate is the policy library's, issue 3).
CAP_RACES = {"requests_per_investigation": (DEFAULT, DEFAULT.params.requests_per_investigation)}


@pytest.mark.parametrize("limit", sorted(CAP_RACES))
def test_concurrent_requests_at_the_cap(runtime_for, clock: SimulatedClock, limit: str) -> None:
    """Three officers file for one case at once where the policy allows two."""
    policy, cap = CAP_RACES[limit]
    n = trials_per_kind()
    runtime: Runtime = runtime_for(policy)
    rng = random.Random(8004)
    agency_id = runtime.write(active_agency)
    officer = Actor(Role.AGENCY, agency_id, "Officer")
    refused_slots: Counter[int] = Counter()
    far = {"north_m": 15_000.0}  # inside the jurisdiction, away from every camera
    contenders = cap + 1

    for i in range(n):
        case = f"CAP-{i}"

        def step(case: str = case) -> FootageRequest:
            return runtime.write(
                lambda ctx: requests.file_request(
                    ctx, officer, agency_id=agency_id, draft=draft(case=case, **far)
                )
            )

        outcomes = run_together([step] * contenders, first=i % contenders, rng=rng)
        assert unexpected(outcomes) == [], outcomes
        refused = [k for k, o in enumerate(outcomes) if not o.ok]
        assert len(refused) == contenders - cap, (i, outcomes)
        for k in refused:
            error = outcomes[k].error
            assert isinstance(error, RuleViolation) and error.code == "investigation_limit", error
            refused_slots[k] += 1
        filed = runtime.read(
            lambda ctx, case=case: ctx.store.count(
                FootageRequest, agency_id=agency_id, case_number=case
            )
        )
        assert filed == cap, (case, filed)

    assert_chain_verifies(runtime)
    if both_orders_expected():
        assert len(refused_slots) >= 2, refused_slots  # not always the same one loses
