"""Moderation: requests wait in pending_review; notices go out only on the operator's approval."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.policies import StandardPolicy
from tests.factories import World
from tests.policies.helpers import policy_with


@pytest.mark.parametrize(
    ("policy", "moderated"),
    [(policy_with(moderation=True), True), (policy_with(moderation=False), False)],
    ids=["moderated", "unmoderated"],
)
def test_notices_wait_for_approval(world: World, policy: StandardPolicy, moderated: bool) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    inbox = world.ok("GET", "/me/requests", dana.headers)
    if not moderated:
        assert request["status"] == "open" and inbox["count"] == 1
        return
    assert request["status"] == "pending_review" and inbox["count"] == 0
    pending = world.ok("GET", "/operator/requests?status=pending_review", world.operator)
    assert [r["id"] for r in pending["data"]] == [request["id"]]
    world.clock.advance(timedelta(days=3))
    approved = world.ok("POST", f"/operator/requests/{request['id']}/approve", world.operator)
    assert approved["status"] == "open" and approved["approved_by"].startswith("operator:")
    # The open period starts at publication, not at filing.
    assert approved["expires_at"].startswith(
        (world.clock.now() + timedelta(days=7)).date().isoformat()
    )
    inbox = world.ok("GET", "/me/requests", dana.headers)
    assert [i["request_id"] for i in inbox["data"]] == [request["id"]]
    world.share(dana, request["id"], [dana.clips[0]])
    again = world.client.post(f"/operator/requests/{request['id']}/approve", headers=world.operator)
    assert again.status_code == 409 and again.json()["code"] == "request_not_open"
    # Said for the operator: it read "The request is open; it accepts no responses."
    assert again.json()["detail"].startswith("The request is open, not pending review: ")


@pytest.mark.parametrize("policy", [policy_with(moderation=True)], ids=["moderated"])
def test_rejected_request_reaches_no_one(world: World, policy: StandardPolicy) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    no_reason = world.client.post(
        f"/operator/requests/{request['id']}/reject", headers=world.operator, json={"reason": " "}
    )
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    rejected = world.ok(
        "POST",
        f"/operator/requests/{request['id']}/reject",
        world.operator,
        json={"reason": "Targets a lawful gathering"},
    )
    assert rejected["status"] == "rejected"
    assert world.ok("GET", "/me/requests", dana.headers)["count"] == 0
    assert world.ok("GET", f"/portal/requests/{request['id']}", agency.headers)["status"] == (
        "rejected"
    )
    entries = world.ok("GET", "/audit/entries", world.auditor)["data"]
    assert [e["data"]["reason"] for e in entries if e["action"] == "request.rejected"] == [
        "Targets a lawful gathering"
    ]
    # Neither an agency nor a resident can approve.
    for headers in (agency.headers, dana.headers):
        denied = world.client.post(f"/operator/requests/{request['id']}/approve", headers=headers)
        assert denied.status_code == 403


@pytest.mark.parametrize("policy", [policy_with(moderation=True)], ids=["moderated"])
def test_pending_request_expires_unreviewed(world: World, policy: StandardPolicy) -> None:
    agency = world.agency()
    request = world.file(agency)
    world.clock.advance(timedelta(days=8))
    late = world.client.post(f"/operator/requests/{request['id']}/approve", headers=world.operator)
    assert late.status_code == 409 and late.json()["code"] == "request_not_open"
    assert world.ok("POST", "/operator/tick", world.operator)["expired"] == 1


@pytest.mark.parametrize("policy", [policy_with(moderation=True)], ids=["moderated"])
def test_approving_a_consent_request_as_an_exception_names_the_right_route(
    world: World, policy: StandardPolicy
) -> None:
    """The refusal told the operator to call `POST /operator/requests/{id}/approve`, the
    template's `{id}` left in where the request's own id belonged."""
    request = world.file(world.agency())
    wrong = world.client.post(
        f"/operator/requests/{request['id']}/exception",
        headers=world.operator,
        json={"justification": "an emergency"},
    )
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["code"] == "not_an_exception"
    assert wrong.json()["detail"] == (
        f"A consent request is approved with POST /operator/requests/{request['id']}/approve."
    )
