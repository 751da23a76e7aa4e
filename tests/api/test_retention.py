"""Retention (I8): a clip past its retention date is neither offered nor released.

Under the default limits (45 days of lookback, 7 days open, 60 days kept) no open request can
reach an expired clip, so this module runs a policy that keeps clips for one day.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.policies import Policy, StandardPolicy
from app.policies.params import PolicyParams
from tests.factories import World


@pytest.fixture
def policy() -> Policy:
    return StandardPolicy("short-retention", PolicyParams(retention_days=1))


def test_clip_past_retention_is_not_offered_or_released(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    item = world.ok("GET", f"/me/requests/{request['id']}", dana.headers)
    assert len(item["matching_clips"]) == 2
    world.clock.advance(timedelta(days=1, hours=1))
    item = world.ok("GET", f"/me/requests/{request['id']}", dana.headers)
    assert item["matching_clips"] == []
    answer = world.client.post(
        f"/me/requests/{request['id']}/share",
        headers=dana.headers,
        json={"clip_ids": [str(dana.clips[0])]},
    )
    assert answer.status_code == 422 and answer.json()["code"] == "clip_not_in_scope"
    assert world.ok("GET", "/audit/releases", world.auditor)["count"] == 0
