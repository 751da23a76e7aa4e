"""`Idempotency-Key` on the routes that create records (app/idempotency.py): a retry with the
same key and body returns the first answer and writes nothing; another body with the same key
is refused; without the header a route works as before."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlmodel import select

from app import idempotency
from app.store.tables import IdempotencyKeyRow
from app.ticker import tick_once
from app.workflow.states import Role
from tests.api.test_refusals import refused
from tests.factories import CITY, World

AGENCY_BODY = {
    "name": "Retry PD",
    "jurisdiction": "Retryville",
    "center_lat": CITY[0],
    "center_lng": CITY[1],
    "radius_m": 3000,
}


def _post(
    world: World, url: str, headers: dict[str, str], body: dict[str, Any], key: str | None
) -> httpx.Response:
    sent = headers | ({"Idempotency-Key": key} if key is not None else {})
    return world.client.post(url, headers=sent, json=body)


def _agencies(world: World) -> list[dict[str, Any]]:
    page = world.ok("GET", "/operator/agencies?limit=200", world.operator)
    found: list[dict[str, Any]] = page["data"]
    return found


def test_a_retried_creation_returns_the_first_answer_and_writes_nothing(world: World) -> None:
    first = _post(world, "/operator/agencies", world.operator, AGENCY_BODY, "agency-1")
    assert first.status_code == 201, first.text
    changes = world.state_changes()
    again = _post(world, "/operator/agencies", world.operator, AGENCY_BODY, "agency-1")
    assert again.status_code == 201
    assert again.content == first.content  # byte for byte, the same id
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(_agencies(world)) == 1
    assert world.state_changes() == changes, "the retry left an audit entry"


def test_the_same_body_in_another_key_order_is_the_same_request(world: World) -> None:
    first = _post(world, "/operator/agencies", world.operator, AGENCY_BODY, "agency-2")
    reordered = dict(reversed(list(AGENCY_BODY.items())))
    again = _post(world, "/operator/agencies", world.operator, reordered, "agency-2")
    assert (again.status_code, again.json()) == (201, first.json())
    assert len(_agencies(world)) == 1


def test_without_the_header_each_post_creates_as_before(world: World) -> None:
    for _ in range(2):
        assert _post(world, "/operator/agencies", world.operator, AGENCY_BODY, None).status_code
    assert len(_agencies(world)) == 2


@pytest.mark.parametrize(
    ("url", "other_body"),
    [
        ("/operator/agencies", AGENCY_BODY | {"name": "Other PD"}),
        ("/operator/residents", {"name": "Ann", "contact": "ann@example.org"}),
    ],
    ids=["another-body", "another-route"],
)
def test_the_same_key_for_another_request_is_refused(
    world: World, url: str, other_body: dict[str, Any]
) -> None:
    assert _post(world, "/operator/agencies", world.operator, AGENCY_BODY, "k").status_code == 201
    headers = world.operator | {"Idempotency-Key": "k"}
    answer = refused(world, "POST", url, headers, 422, "idempotency_key_reused", json=other_body)
    assert "different request" in answer["detail"]
    assert len(_agencies(world)) == 1


def test_a_key_belongs_to_its_caller(world: World) -> None:
    """Another operator's key of the same spelling is another key: scope is role and subject."""
    other_operator = world.headers(Role.OPERATOR, uuid4())
    mine = _post(world, "/operator/agencies", world.operator, AGENCY_BODY, "shared-key")
    theirs = _post(world, "/operator/agencies", other_operator, AGENCY_BODY, "shared-key")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert len(_agencies(world)) == 2


@pytest.mark.parametrize("key", [b"", b"x" * 256, "clé".encode(), b"two words"])
def test_a_malformed_key_is_refused(world: World, key: bytes) -> None:
    headers: dict[str, Any] = world.operator | {"Idempotency-Key": key}
    refused(
        world,
        "POST",
        "/operator/agencies",
        headers,
        422,
        "idempotency_key_invalid",
        json=AGENCY_BODY,
    )
    assert _agencies(world) == []


def test_a_refusal_is_not_stored_and_the_retry_is_decided_afresh(world: World) -> None:
    agency = world.agency(partnered=False)
    body = world.request_body()
    headers = agency.headers | {"Idempotency-Key": "filing-1"}
    refused(world, "POST", "/portal/requests", headers, 403, "partnership_inactive", json=body)
    world.ok(
        "PUT",
        f"/operator/agencies/{agency.id}/partnership",
        world.operator,
        json={"status": "active", "starts_at": "2026-11-01T00:00:00Z"},
    )
    filed = _post(world, "/portal/requests", agency.headers, body, "filing-1")
    assert filed.status_code == 201, filed.text


def test_a_retried_filing_and_share_are_carried_out_once(world: World) -> None:
    resident = world.resident(clips=1)
    agency = world.agency()
    body = world.request_body()
    filed = _post(world, "/portal/requests", agency.headers, body, "case-7")
    changes = world.state_changes()
    assert _post(world, "/portal/requests", agency.headers, body, "case-7").json() == filed.json()
    listed = world.ok("GET", "/portal/requests", agency.headers)
    assert listed["count"] == 1
    share = {"clip_ids": [str(resident.clips[0])]}
    url = f"/me/requests/{filed.json()['id']}/share"
    shared = _post(world, url, resident.headers, share, "share-1")
    assert shared.status_code == 201, shared.text
    # Without the key the second share is refused (already answered); with it, the same answer.
    again = _post(world, url, resident.headers, share, "share-1")
    assert (again.status_code, again.content) == (201, shared.content)
    assert world.ok("GET", "/me/consents", resident.headers)["count"] == 1
    assert world.state_changes() > changes  # the share itself was logged, once
    after = world.state_changes()
    _post(world, url, resident.headers, share, "share-1")
    assert world.state_changes() == after


def _together(world: World, key: str) -> list[httpx.Response]:
    """Two creations with one key, released at one barrier from two threads."""
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def send() -> None:
        barrier.wait()
        answers.append(_post(world, "/operator/agencies", world.operator, AGENCY_BODY, key))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_concurrent_requests_with_one_key_create_one_record(world: World) -> None:
    """Both answer 201 with the same record: writers are serialised, so the second finds the
    first's stored answer once it commits."""
    for trial in range(8):
        answers = _together(world, f"race-{trial}")
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert answers[0].content == answers[1].content
        assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert len(_agencies(world)) == 8


def test_a_key_stored_by_an_interleaved_writer_answers_409_and_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique (scope, key) is the backstop should two writers ever interleave: the
    lookup is made to miss, as if the other committed after it, and the insert collides."""
    assert _post(world, "/operator/agencies", world.operator, AGENCY_BODY, "late").status_code
    monkeypatch.setattr(idempotency, "stored_answer", lambda *_: None)
    headers = world.operator | {"Idempotency-Key": "late"}
    answer = refused(
        world,
        "POST",
        "/operator/agencies",
        headers,
        409,
        "idempotency_key_in_flight",
        json=AGENCY_BODY,
    )
    assert "retry" in answer["detail"]
    assert len(_agencies(world)) == 1


CREATING = {
    "POST /operator/agencies",
    "POST /operator/residents",
    "POST /operator/residents/{resident_id}/cameras",
    "POST /operator/cameras/{camera_id}/clips",
    "POST /portal/requests",
    "POST /portal/exception-requests",
    "POST /me/requests/{request_id}/share",
}


def test_the_openapi_document_names_the_header_on_the_creating_routes(world: World) -> None:
    document = world.app.openapi()
    with_header = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert with_header == CREATING


def _stored_keys(world: World) -> int:
    runtime = world.app.state.runtime
    return int(
        runtime.read(lambda ctx: len(ctx.store.session.exec(select(IdempotencyKeyRow)).all()))
    )


def test_a_key_past_its_lifetime_is_free_and_its_answer_forgotten(world: World) -> None:
    """A day later the key starts a new request: the stored answer (a resident's name and
    contact) is not kept, and not replayed."""
    body = {"name": "Ann", "contact": "ann@example.org"}
    first = _post(world, "/operator/residents", world.operator, body, "resident-1")
    assert first.status_code == 201
    world.clock.advance(idempotency.KEY_LIFETIME - timedelta(minutes=1))
    replay = _post(world, "/operator/residents", world.operator, body, "resident-1")
    assert replay.headers.get("Idempotent-Replayed") == "true"
    world.clock.advance(timedelta(minutes=1))
    fresh = _post(world, "/operator/residents", world.operator, body, "resident-1")
    assert fresh.status_code == 201
    assert "Idempotent-Replayed" not in fresh.headers
    assert fresh.json()["id"] != first.json()["id"]
    assert _stored_keys(world) == 1  # the old answer was replaced, not kept beside the new


def test_the_timer_forgets_every_key_past_its_lifetime(world: World) -> None:
    for n in range(3):
        _post(world, "/operator/agencies", world.operator, AGENCY_BODY, f"old-{n}")
    world.clock.advance(idempotency.KEY_LIFETIME)
    _post(world, "/operator/agencies", world.operator, AGENCY_BODY, "young")
    assert _stored_keys(world) == 4
    assert tick_once(world.app.state.runtime) is not None
    assert _stored_keys(world) == 1
