"""What the agency learns and when: response figures, identity on sharing, cooling-off,
withdrawal, retention. Each parameter changes what the same calls return."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.policies import StandardPolicy
from tests.factories import World
from tests.policies.helpers import policy_with


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (policy_with(response_stats="none"), None),
        (policy_with(response_stats="raw"), {"notified": 2, "shared": 1, "not_shared": 1}),
        (
            policy_with(response_stats="suppressed", stats_k=5),
            {"notified": None, "shared": None, "not_shared": None},
        ),
        (
            policy_with(response_stats="suppressed", stats_k=1),
            {"notified": 2, "shared": 1, "not_shared": 1},
        ),
    ],
    ids=["none", "raw", "suppressed-k5", "suppressed-k1"],
)
def test_response_stats(world: World, policy: StandardPolicy, expected: object) -> None:
    agency = world.agency()
    dana, erin = world.resident(), world.resident(north_m=20, name="Erin")
    request = world.file(agency)
    world.share(dana, request["id"], [dana.clips[0]])
    world.ok("POST", f"/me/requests/{request['id']}/decline", erin.headers)
    seen = world.ok("GET", f"/portal/requests/{request['id']}", agency.headers)
    assert seen["response_counts"] == expected


@pytest.mark.parametrize(
    ("policy", "labels"),
    [
        (policy_with(identity_on_share="none"), ["", ""]),
        (policy_with(identity_on_share="pseudonym"), ["Neighbor #1", "Neighbor #2"]),
        (
            policy_with(identity_on_share="contact"),
            ["Dana <dana@example.org>", "Erin <erin@example.org>"],
        ),
    ],
    ids=["none", "pseudonym", "contact"],
)
def test_identity_on_share(world: World, policy: StandardPolicy, labels: list[str]) -> None:
    agency = world.agency()
    dana, erin = world.resident(name="Dana"), world.resident(north_m=20, name="Erin")
    request = world.file(agency)
    world.share(dana, request["id"], dana.clips)
    world.share(erin, request["id"], [erin.clips[0]])
    footage = world.ok("GET", f"/portal/requests/{request['id']}/footage", agency.headers)["data"]
    # Dana's two clips carry one label; Erin's another.
    assert sorted({f["neighbor_label"] for f in footage}) == sorted(set(labels))
    assert len(footage) == 3


@pytest.mark.parametrize(
    ("policy", "minutes"),
    [(policy_with(cooling_off_minutes=0), 0), (policy_with(cooling_off_minutes=60), 60)],
    ids=["none", "an-hour"],
)
def test_cooling_off_and_the_tick(world: World, policy: StandardPolicy, minutes: int) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    shared = world.share(dana, request["id"], [dana.clips[0]])
    footage_url = f"/portal/requests/{request['id']}/footage"
    if minutes == 0:
        assert shared["released_clip_ids"] == [str(dana.clips[0])]
        return
    assert shared["released_clip_ids"] == []
    world.clock.advance(timedelta(minutes=30))
    assert world.ok("POST", "/operator/tick", world.operator)["released"] == 0
    assert world.ok("GET", footage_url, agency.headers)["count"] == 0
    world.clock.advance(timedelta(minutes=31))
    assert world.ok("GET", footage_url, agency.headers)["count"] == 0  # nothing without the tick
    assert world.ok("POST", "/operator/tick", world.operator)["released"] == 1
    assert world.ok("GET", footage_url, agency.headers)["count"] == 1


@pytest.mark.parametrize("policy", [policy_with(cooling_off_minutes=60)], ids=["an-hour"])
def test_withdrawal_during_cooling_off_stops_the_release(
    world: World, policy: StandardPolicy
) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    consent = world.share(dana, request["id"], [dana.clips[0]])["consent"]
    world.clock.advance(timedelta(minutes=10))
    world.ok("POST", f"/me/consents/{consent['id']}/withdraw", dana.headers)
    world.clock.advance(timedelta(hours=2))
    assert world.ok("POST", "/operator/tick", world.operator)["released"] == 0
    assert world.ok("GET", "/audit/releases", world.auditor)["count"] == 0


@pytest.mark.parametrize(
    ("policy", "revokes"),
    [
        (policy_with(withdrawal_revokes_undownloaded=True), True),
        (policy_with(withdrawal_revokes_undownloaded=False), False),
    ],
    ids=["revokes", "keeps"],
)
def test_withdrawal_revokes_undownloaded(
    world: World, policy: StandardPolicy, revokes: bool
) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    consent = world.share(dana, request["id"], dana.clips)["consent"]
    footage_url = f"/portal/requests/{request['id']}/footage"
    first, second = world.ok("GET", footage_url, agency.headers)["data"]
    assert world.client.get(first["download_url"], headers=agency.headers).status_code == 200
    world.ok("POST", f"/me/consents/{consent['id']}/withdraw", dana.headers)
    # A downloaded clip cannot be taken back; an undownloaded one is revoked if the policy says.
    assert world.client.get(first["download_url"], headers=agency.headers).status_code == 200
    again = world.client.get(second["download_url"], headers=agency.headers)
    assert again.status_code == (404 if revokes else 200)
    assert world.ok("GET", footage_url, agency.headers)["count"] == (1 if revokes else 2)


@pytest.mark.parametrize(
    ("policy", "days"),
    [(policy_with(retention_days=1), 1), (policy_with(retention_days=60), 60)],
    ids=["a-day", "sixty-days"],
)
def test_retention_days(world: World, policy: StandardPolicy, days: int) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    world.clock.advance(timedelta(days=1, hours=1))
    offered = world.ok("GET", f"/me/requests/{request['id']}", dana.headers)["matching_clips"]
    assert len(offered) == (0 if days == 1 else 2)
