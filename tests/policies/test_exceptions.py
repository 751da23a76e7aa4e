"""Releases without consent (invariant I2): only where the policy declares the exception, only
with an operator's approval and a justification, never of end-to-end encrypted footage; a
subpoena obtains no content; the resident is told where the policy says so, unless barred."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from app.policies import StandardPolicy
from tests.factories import Agency, World
from tests.policies.helpers import policy_with, resident_with

EXCEPTIONS_ON = {
    "emergency_disclosure": True,
    "warrants": True,
    "subpoenas": True,
    "encrypt_new_residents": False,
}


def exception_body(world: World, kind: str, process: str | None = None, **kw: Any) -> Any:
    body = world.request_body()
    body.update(kind=kind, justification="Imminent danger: missing child, 10:00")
    if process:
        body.update(legal_process=process, justification="Warrant 26-SW-0415, Superior Court")
    body.update(kw)
    return body


def file_exception(
    world: World, agency: Agency, kind: str, process: str | None = None, **kw: Any
) -> Any:
    return world.client.post(
        "/portal/exception-requests",
        headers=agency.headers,
        json=exception_body(world, kind, process, **kw),
    )


def approve(world: World, request_id: str) -> Any:
    return world.ok(
        "POST",
        f"/operator/requests/{request_id}/exception",
        world.operator,
        json={"justification": "Checked with the duty officer"},
    )


@pytest.mark.parametrize(
    ("policy", "kind", "process", "key"),
    [
        (policy_with(emergency_disclosure=False), "emergency", None, "emergency_disclosure"),
        (policy_with(warrants=False, subpoenas=True), "legal", "warrant", "warrants"),
        (policy_with(warrants=True, subpoenas=False), "legal", "subpoena", "subpoenas"),
    ],
    ids=["no-emergency", "no-warrants", "no-subpoenas"],
)
def test_undeclared_exception_is_refused(
    world: World, policy: StandardPolicy, kind: str, process: str | None, key: str
) -> None:
    answer = file_exception(world, world.agency(), kind, process)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "exception_not_allowed" and answer.json()["rules"] == [key]


@pytest.mark.parametrize(
    ("policy", "told"),
    [
        (policy_with(**EXCEPTIONS_ON, tell_resident_after_emergency=True), True),
        (policy_with(**EXCEPTIONS_ON, tell_resident_after_emergency=False), False),
    ],
    ids=["told", "not-told"],
)
def test_emergency_release_goes_through_the_gate(
    world: World, policy: StandardPolicy, told: bool
) -> None:
    agency = world.agency()
    dana = resident_with(world, encrypted=False)
    erin = resident_with(world, encrypted=True, north_m=30)
    filed = file_exception(world, agency, "emergency")
    assert filed.status_code == 201, filed.text
    request = filed.json()
    assert request["status"] == "pending_review" and request["kind"] == "emergency"
    # No resident is asked: an exception is not a request for consent.
    assert world.ok("GET", "/me/requests", dana.headers)["count"] == 0
    # Before approval nothing is released.
    footage = world.ok("GET", f"/portal/requests/{request['id']}/footage", agency.headers)
    assert footage["count"] == 0
    outcome = approve(world, request["id"])
    assert sorted(outcome["released_clip_ids"]) == sorted(str(c) for c in dana.clips)
    # End-to-end encrypted clips: the platform cannot produce them.
    assert outcome["refused"] == {"end_to_end_encrypted": len(erin.clips)}
    assert outcome["request"]["status"] == "closed"
    footage = world.ok("GET", f"/portal/requests/{request['id']}/footage", agency.headers)
    assert footage["count"] == 2 and {f["basis"] for f in footage["data"]} == {"emergency"}
    assert (
        world.client.get(footage["data"][0]["download_url"], headers=agency.headers).status_code
        == 200
    )

    releases = world.ok("GET", "/audit/releases", world.auditor)["data"]
    assert all(r["basis"] == "emergency" and r["consent"] is None for r in releases)
    assert all(r["approved_by"].startswith("operator:") and r["justification"] for r in releases)
    disclosures = world.ok("GET", "/me/disclosures", dana.headers)["data"]
    assert {d["basis"] for d in disclosures} == {"emergency"} and len(disclosures) == 2
    assert all((d["resident_told_at"] is not None) is told for d in disclosures)
    assert world.ok("GET", "/me/disclosures", erin.headers)["count"] == 0
    assert world.ok("GET", "/audit/verify", world.auditor)["ok"] is True
    # The approval is a logged decision: policy, input, result (issue 5).
    entries = world.ok("GET", "/audit/entries?limit=1000", world.auditor)["data"]
    approvals = [e for e in entries if e["action"] == "decision.exception"]
    assert len(approvals) == 1 and approvals[0]["data"]["result"] == "allow"
    assert approvals[0]["data"]["about"] == {"type": "request", "id": request["id"]}
    assert approvals[0]["data"]["input"]["kind"] == "emergency"


@pytest.mark.parametrize("policy", [policy_with(**EXCEPTIONS_ON)], ids=["exceptions-on"])
def test_exception_needs_the_operator_and_the_right_route(
    world: World, policy: StandardPolicy
) -> None:
    agency = world.agency()
    resident_with(world, encrypted=False)
    emergency = file_exception(world, agency, "emergency").json()
    consent = world.file(agency)
    wrong = world.client.post(
        f"/operator/requests/{emergency['id']}/approve", headers=world.operator
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "use_exception_route"
    not_pending = world.client.post(
        f"/operator/requests/{consent['id']}/exception",
        headers=world.operator,
        json={"justification": "x"},
    )
    assert not_pending.status_code == 409
    by_agency = world.client.post(
        f"/operator/requests/{emergency['id']}/exception",
        headers=agency.headers,
        json={"justification": "x"},
    )
    assert by_agency.status_code == 403
    unjustified = world.client.post(
        "/portal/exception-requests",
        headers=agency.headers,
        json=exception_body(world, "emergency", justification="   "),
    )
    assert unjustified.status_code == 422 and unjustified.json()["code"] == "justification_required"
    approve(world, emergency["id"])
    twice = world.client.post(
        f"/operator/requests/{emergency['id']}/exception",
        headers=world.operator,
        json={"justification": "again"},
    )
    assert twice.status_code == 409 and twice.json()["code"] == "request_not_open"


@pytest.mark.parametrize("policy", [policy_with(**EXCEPTIONS_ON)], ids=["exceptions-on"])
def test_warrant_obtains_content_subpoena_only_non_content(
    world: World, policy: StandardPolicy
) -> None:
    agency = world.agency()
    dana = resident_with(world, encrypted=False)
    erin = resident_with(world, encrypted=True, north_m=30)
    subpoena = file_exception(world, agency, "legal", "subpoena").json()
    outcome = approve(world, subpoena["id"])
    assert outcome["released_clip_ids"] == []
    # Non-content data of encrypted clips exists on the platform; their content does not.
    assert len(outcome["non_content_clip_ids"]) == len(dana.clips) + len(erin.clips)
    listed = world.ok("GET", f"/portal/requests/{subpoena['id']}/non-content", agency.headers)
    assert listed["count"] == 4 and set(listed["data"][0]) == {
        "disclosure_id",
        "starts_at",
        "ends_at",
        "digest",
        "disclosed_at",
    }
    assert (
        world.ok("GET", f"/portal/requests/{subpoena['id']}/footage", agency.headers)["count"] == 0
    )
    for guess in [d["disclosure_id"] for d in listed["data"]] + [str(c) for c in dana.clips]:
        assert (
            world.client.get(f"/portal/footage/{guess}", headers=agency.headers).status_code == 404
        )
    assert world.ok("GET", "/audit/releases", world.auditor)["count"] == 0
    told = world.ok("GET", "/me/disclosures", dana.headers)["data"]
    assert [d["content"] for d in told] == [False, False]
    assert all(d["basis"] == "legal" and d["resident_told_at"] for d in told)

    warrant = file_exception(world, agency, "legal", "warrant").json()
    outcome = approve(world, warrant["id"])
    assert sorted(outcome["released_clip_ids"]) == sorted(str(c) for c in dana.clips)
    assert outcome["refused"] == {"end_to_end_encrypted": 2}
    footage = world.ok("GET", f"/portal/requests/{warrant['id']}/footage", agency.headers)
    assert {f["basis"] for f in footage["data"]} == {"legal"}
    # Another agency sees neither production.
    other = world.agency(name="Other PD")
    for suffix in ("non-content", "footage"):
        for rid in (subpoena["id"], warrant["id"]):
            url = f"/portal/requests/{rid}/{suffix}"
            assert world.client.get(url, headers=other.headers).status_code == 404
            missing = f"/portal/requests/{uuid4()}/{suffix}"
            assert world.client.get(missing, headers=other.headers).json() == (
                world.client.get(url, headers=other.headers).json()
            )


@pytest.mark.parametrize(
    ("policy", "barred", "told"),
    [
        (policy_with(**EXCEPTIONS_ON, tell_resident_of_legal_process=True), False, True),
        (policy_with(**EXCEPTIONS_ON, tell_resident_of_legal_process=True), True, False),
        (policy_with(**EXCEPTIONS_ON, tell_resident_of_legal_process=False), False, False),
    ],
    ids=["told", "barred", "policy-silent"],
)
def test_resident_told_of_legal_process_unless_barred(
    world: World, policy: StandardPolicy, barred: bool, told: bool
) -> None:
    agency = world.agency()
    dana = resident_with(world, encrypted=False)
    warrant = file_exception(world, agency, "legal", "warrant", nondisclosure_order=barred).json()
    approve(world, warrant["id"])
    disclosures = world.ok("GET", "/me/disclosures", dana.headers)["data"]
    if barred:
        # A court order bars telling: the resident's own view does not show it yet.
        assert disclosures == []
    else:
        assert len(disclosures) == 2
        assert all((d["resident_told_at"] is not None) is told for d in disclosures)
    releases = world.ok("GET", "/audit/releases", world.auditor)["data"]
    assert len(releases) == 2  # the auditor sees every release, barred or not
    entries = world.ok("GET", "/audit/entries?limit=1000", world.auditor)["data"]
    created = [e["data"] for e in entries if e["action"] == "release.created"]
    assert [c["resident_told"] for c in created] == [told, told]


@pytest.mark.parametrize("policy", [policy_with(**EXCEPTIONS_ON)], ids=["exceptions-on"])
def test_exception_request_input_is_checked(world: World, policy: StandardPolicy) -> None:
    agency = world.agency()
    for bad in (
        exception_body(world, "legal"),  # no legal_process
        exception_body(world, "emergency", legal_process="warrant"),
        exception_body(world, "consent"),
    ):
        answer = world.client.post("/portal/exception-requests", headers=agency.headers, json=bad)
        assert answer.status_code == 422 and answer.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    ("policy", "encrypted"),
    [
        (policy_with(encrypt_new_residents=True), True),
        (policy_with(encrypt_new_residents=False), False),
    ],
    ids=["encrypted-default", "plain-default"],
)
def test_encrypt_new_residents(world: World, policy: StandardPolicy, encrypted: bool) -> None:
    dana = resident_with(world)
    assert world.ok("GET", "/me/settings", dana.headers)["encrypt_by_default"] is encrypted
    agency = world.agency()
    request = world.file(agency)
    clips = world.ok("GET", f"/me/requests/{request['id']}", dana.headers)["matching_clips"]
    assert {c["encrypted"] for c in clips} == {encrypted}
    # The resident can still share an encrypted clip: she holds the key (consent release).
    shared = world.share(dana, request["id"], [dana.clips[0]])
    assert shared["released_clip_ids"] == [str(dana.clips[0])]
