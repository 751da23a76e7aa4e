"""Object-level isolation (OWASP API1:2023) with two agencies, two residents and two auditors.

Every access to another's object must answer exactly as an id that does not exist: the same
status, the same headers that matter, the same body, byte for byte; and it changes nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from tests.factories import World


class Town:
    """Agency A and resident 1 at the centre; agency B and resident 2 two kilometres north."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.a = world.agency(name="Agency A")
        self.b = world.agency(name="Agency B")
        self.r1 = world.resident(name="Resident One")
        self.r2 = world.resident(north_m=2000, name="Resident Two")
        self.request_a = world.file(self.a)["id"]
        self.request_b = world.file(self.b, lat=40.0 + 2000 / 111_320)["id"]
        share_1 = world.share(self.r1, self.request_a, self.r1.clips[:1])
        share_2 = world.share(self.r2, self.request_b, self.r2.clips[:1])
        self.consent_1 = share_1["consent"]["id"]
        self.consent_2 = share_2["consent"]["id"]
        self.release_a = self._release(self.a, self.request_a)
        self.release_b = self._release(self.b, self.request_b)

    def _release(self, agency: Any, request_id: str) -> str:
        footage = self.world.ok("GET", f"/portal/requests/{request_id}/footage", agency.headers)
        assert footage["count"] == 1
        return str(footage["data"][0]["release_id"])


@pytest.fixture
def town(world: World) -> Town:
    return Town(world)


def answer(world: World, method: str, url: str, headers: dict[str, str], **kw: Any) -> tuple:
    response = world.client.request(method, url, headers=headers, **kw)
    return response.status_code, response.content, response.headers.get("content-type")


def log_size(world: World) -> int:
    return world.state_changes()


def assert_like_missing(
    world: World, method: str, template: str, own: str, headers: dict[str, str], **kw: Any
) -> None:
    """`template` with another's id answers exactly as with a random id, and writes nothing."""
    before = log_size(world)
    theirs = answer(world, method, template.format(own), headers, **kw)
    missing = answer(world, method, template.format(uuid4()), headers, **kw)
    assert theirs == missing, (method, template, theirs, missing)
    assert theirs[0] == 404, theirs
    assert log_size(world) == before, "a refused access left an audit entry"


AGENCY_ROUTES = [
    ("GET", "/portal/requests/{}"),
    ("POST", "/portal/requests/{}/close"),
    ("GET", "/portal/requests/{}/footage"),
    ("GET", "/portal/requests/{}/non-content"),
]


def test_agency_cannot_reach_another_agencys_request(town: Town) -> None:
    for method, template in AGENCY_ROUTES:
        assert_like_missing(town.world, method, template, town.request_a, town.b.headers)
    # and the owner still sees it open, untouched
    mine = town.world.ok("GET", f"/portal/requests/{town.request_a}", town.a.headers)
    assert mine["status"] == "open"


def test_agency_cannot_download_another_agencys_release(town: Town) -> None:
    world = town.world
    assert_like_missing(world, "GET", "/portal/footage/{}", town.release_a, town.b.headers)
    # A clip id, a consent id or a request id used as a release id is just as unknown.
    for other in (town.r1.clips[0], town.consent_1, town.request_a):
        assert_like_missing(world, "GET", "/portal/footage/{}", str(other), town.a.headers)
    releases = world.ok("GET", "/audit/releases", world.auditor)["data"]
    assert all(r["downloaded_at"] is None for r in releases), "the failed download was recorded"


def test_agency_lists_show_only_its_own(town: Town) -> None:
    listed = town.world.ok("GET", "/portal/requests", town.b.headers)
    assert [r["id"] for r in listed["data"]] == [town.request_b]


RESIDENT_ROUTES = [
    ("GET", "/me/requests/{}", None),
    ("POST", "/me/requests/{}/decline", None),
    ("POST", "/me/requests/{}/share", "own clips"),
]


def test_resident_cannot_reach_a_request_they_were_not_sent(town: Town) -> None:
    for method, template, body in RESIDENT_ROUTES:
        kw = {"json": {"clip_ids": [str(c) for c in town.r2.clips]}} if body else {}
        assert_like_missing(town.world, method, template, town.request_a, town.r2.headers, **kw)


def test_resident_cannot_withdraw_anothers_consent(town: Town) -> None:
    world = town.world
    assert_like_missing(world, "POST", "/me/consents/{}/withdraw", town.consent_1, town.r2.headers)
    consents = world.ok("GET", "/me/consents", town.r1.headers)["data"]
    assert [c["status"] for c in consents] == ["given"]


def test_resident_cannot_read_anothers_receipt_or_consent_history(town: Town) -> None:
    """The receipt names the consent, its clips and the request; the history, every answer."""
    world = town.world
    mine = world.client.get(f"/me/consents/{town.consent_1}/receipt", headers=town.r1.headers)
    assert mine.status_code == 200
    assert_like_missing(world, "GET", "/me/consents/{}/receipt", town.consent_1, town.r2.headers)
    assert_like_missing(
        world, "GET", "/me/requests/{}/consent-history", town.request_a, town.r2.headers
    )


def test_resident_cannot_share_anothers_clip(town: Town) -> None:
    """Resident 2 names resident 1's clip in a request resident 2 was sent: the answer is the
    one for a clip id that does not exist."""
    world = town.world
    # a fresh request in resident 2's area, still pending for them
    fresh = world.file(town.b, lat=40.0 + 2000 / 111_320)["id"]
    url = f"/me/requests/{fresh}/share"
    before = log_size(world)
    theirs = answer(world, "POST", url, town.r2.headers, json={"clip_ids": [str(town.r1.clips[0])]})
    missing = answer(world, "POST", url, town.r2.headers, json={"clip_ids": [str(uuid4())]})
    assert theirs == missing
    assert theirs[0] == 422
    assert log_size(world) == before


def test_resident_lists_show_only_their_own(town: Town) -> None:
    world = town.world
    inbox = world.ok("GET", "/me/requests", town.r2.headers)["data"]
    assert [i["request_id"] for i in inbox] == [town.request_b]
    consents = world.ok("GET", "/me/consents", town.r2.headers)["data"]
    assert [c["id"] for c in consents] == [town.consent_2]
    disclosures = world.ok("GET", "/me/disclosures", town.r2.headers)["data"]
    assert [d["release_id"] for d in disclosures] == [town.release_b]
    clip_ids = {str(c) for c in town.r1.clips}
    assert not clip_ids & {c["id"] for i in inbox for c in i["matching_clips"]}


def test_a_token_for_a_deleted_or_invented_subject_sees_nothing(town: Town) -> None:
    """A correctly signed token naming no resident or agency reaches nobody's objects."""
    from app.workflow.states import Role

    world = town.world
    ghost_resident = world.headers(Role.RESIDENT, uuid4())
    assert_like_missing(world, "GET", "/me/requests/{}", town.request_a, ghost_resident)
    inbox = world.client.get("/me/requests", headers=ghost_resident)
    assert inbox.status_code == 404
    ghost_agency = world.headers(Role.AGENCY, uuid4())
    response = world.client.get(f"/portal/requests/{town.request_a}", headers=ghost_agency)
    assert response.status_code == 403 and response.json()["code"] == "partnership_inactive"


def test_two_auditors_see_the_same_and_own_nothing(town: Town) -> None:
    """Auditors read the whole log; no auditor has objects another could be kept from, and
    reading changes nothing."""
    from app.workflow.states import Role

    world = town.world
    second = world.headers(Role.AUDITOR, uuid4())
    for url in ("/audit/entries", "/audit/releases", "/audit/verify"):
        first_view = world.client.get(url, headers=world.auditor)
        second_view = world.client.get(url, headers=second)
        assert first_view.status_code == 200
        assert first_view.content == second_view.content, url
    before = log_size(world)
    for headers in (world.auditor, second):
        world.client.get("/audit/entries", headers=headers)
    assert log_size(world) == before


def test_ids_are_random_not_sequential(town: Town) -> None:
    """Guessable ids invite enumeration (API1): every id handed out is a version-4 UUID."""
    ids = [town.request_a, town.request_b, town.consent_1, town.release_a, town.r1.clips[0]]
    assert all(UUID(str(i)).version == 4 for i in ids)
