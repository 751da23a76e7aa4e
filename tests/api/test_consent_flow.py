"""The whole workflow through the HTTP API, and the negatives the consent promise rests on."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from tests.factories import World


def audit_size(world: World) -> int:
    return int(world.ok("GET", "/audit/verify", world.auditor)["size"])


def test_agency_receives_exactly_the_shared_clip(world: World) -> None:
    agency = world.agency()
    dana = world.resident(north_m=20)
    request = world.file(agency)
    inbox = world.ok("GET", "/me/requests", dana.headers)["data"]
    assert [item["request_id"] for item in inbox] == [request["id"]]
    offered = {c["id"] for c in inbox[0]["matching_clips"]}
    assert offered == {str(c) for c in dana.clips}

    shared = world.share(dana, request["id"], [dana.clips[0]])
    assert shared["released_clip_ids"] == [str(dana.clips[0])]

    footage = world.ok("GET", f"/portal/requests/{request['id']}/footage", agency.headers)["data"]
    assert len(footage) == 1
    download = world.client.get(footage[0]["download_url"], headers=agency.headers)
    assert download.status_code == 200
    assert download.headers["digest"] == f"sha-256={footage[0]['digest']}"

    # The other clip was never shared: neither its clip id nor any guess downloads it.
    for guess in (dana.clips[1], uuid4()):
        refused = world.client.get(f"/portal/footage/{guess}", headers=agency.headers)
        assert refused.status_code == 404

    releases = world.ok("GET", "/audit/releases", world.auditor)["data"]
    assert len(releases) == 1
    assert releases[0]["basis"] == "consent"
    assert releases[0]["consent"]["clip_ids"] == [str(dana.clips[0])]
    assert releases[0]["consent"]["resident_id"] == str(dana.id)
    assert releases[0]["downloaded_at"] is not None
    assert world.ok("GET", "/audit/verify", world.auditor)["ok"] is True


def test_resident_sees_own_disclosures(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    world.share(dana, request["id"], dana.clips)
    disclosures = world.ok("GET", "/me/disclosures", dana.headers)["data"]
    assert {d["clip_id"] for d in disclosures} == {str(c) for c in dana.clips}
    assert all(d["agency_name"] == "Agency" and d["basis"] == "consent" for d in disclosures)


def test_another_agency_sees_nothing_of_a_request(world: World) -> None:
    owner, other = world.agency(name="Owner PD"), world.agency(name="Other PD")
    dana = world.resident()
    request = world.file(owner)
    world.share(dana, request["id"], dana.clips)
    release_id = world.ok("GET", f"/portal/requests/{request['id']}/footage", owner.headers)[
        "data"
    ][0]["release_id"]

    assert world.ok("GET", "/portal/requests", other.headers)["count"] == 0
    for method, url in (
        ("GET", f"/portal/requests/{request['id']}"),
        ("GET", f"/portal/requests/{request['id']}/footage"),
        ("POST", f"/portal/requests/{request['id']}/close"),
        ("GET", f"/portal/footage/{release_id}"),
    ):
        theirs = world.client.request(method, url, headers=other.headers)
        missing = world.client.request(
            method,
            url.replace(request["id"], str(uuid4())).replace(release_id, str(uuid4())),
            headers=other.headers,
        )
        assert theirs.status_code == missing.status_code == 404, (method, url)
        assert theirs.json() == missing.json()


def test_opted_out_resident_gets_no_notice(world: World) -> None:
    agency = world.agency()
    out, stays = world.resident(name="Out"), world.resident(north_m=30, name="Stays")
    settings = world.ok("PUT", "/me/settings", out.headers, json={"opted_out": True})
    assert settings["opted_out"] is True
    request = world.file(agency)
    assert world.ok("GET", "/me/requests", out.headers)["count"] == 0
    assert world.ok("GET", "/me/requests", stays.headers)["count"] == 1
    refused = world.client.post(
        f"/me/requests/{request['id']}/share",
        headers=out.headers,
        json={"clip_ids": [str(out.clips[0])]},
    )
    assert refused.status_code == 404


def test_expired_request_refuses_consent(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    world.clock.advance(timedelta(days=7, seconds=1))
    before = audit_size(world)
    refused = world.client.post(
        f"/me/requests/{request['id']}/share",
        headers=dana.headers,
        json={"clip_ids": [str(dana.clips[0])]},
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "request_not_open"
    assert audit_size(world) == before
    status = world.ok("GET", f"/portal/requests/{request['id']}", agency.headers)["status"]
    assert status == "expired"


def test_closed_request_refuses_consent(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    closed = world.ok("POST", f"/portal/requests/{request['id']}/close", agency.headers)
    assert closed["status"] == "closed"
    refused = world.client.post(
        f"/me/requests/{request['id']}/share",
        headers=dana.headers,
        json={"clip_ids": [str(dana.clips[0])]},
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "request_not_open"
    assert world.ok("GET", "/audit/releases", world.auditor)["count"] == 0


def test_withdrawn_consent_releases_nothing_more(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    consent = world.share(dana, request["id"], dana.clips)["consent"]
    world.ok("POST", f"/me/consents/{consent['id']}/withdraw", dana.headers)
    # privacy-by-design: a withdrawal revokes access to clips not yet downloaded.
    footage = world.ok("GET", f"/portal/requests/{request['id']}/footage", agency.headers)
    assert footage["count"] == 0
    releases = world.ok("GET", "/audit/releases", world.auditor)["data"]
    assert len(releases) == 2 and all(r["revoked_at"] for r in releases)
    for release in releases:
        assert (
            world.client.get(f"/portal/footage/{release['id']}", headers=agency.headers).status_code
            == 404
        )
    again = world.client.post(f"/me/consents/{consent['id']}/withdraw", headers=dana.headers)
    assert again.status_code == 409


def test_a_clip_shared_twice_is_refused_so_a_withdrawal_takes_it_back(world: World) -> None:
    # A second consent for the same clip left the release hanging on the first: withdrawing
    # the second (the newest in the resident's list) left the clip with the agency.
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    first, second = dana.clips[:1], dana.clips[1:2]
    consent = world.share(dana, request["id"], first)["consent"]
    size = audit_size(world)
    again = world.client.post(
        f"/me/requests/{request['id']}/share",
        headers=dana.headers,
        json={"clip_ids": [str(c) for c in [*second, *first]]},
    )
    assert again.status_code == 409 and again.json()["code"] == "clip_already_shared"
    assert audit_size(world) == size  # nothing written, the other clip not shared either
    consents = world.ok("GET", "/me/consents", dana.headers)["data"]
    assert [c["id"] for c in consents] == [consent["id"]]
    world.share(dana, request["id"], second)  # another clip: a consent of its own
    world.ok("POST", f"/me/consents/{consent['id']}/withdraw", dana.headers)
    footage = world.ok("GET", f"/portal/requests/{request['id']}/footage", agency.headers)
    assert footage["count"] == 1
    releases = world.ok("GET", "/audit/releases", world.auditor)["data"]
    kept = [r["consent"]["clip_ids"] for r in releases if not r["revoked_at"]]
    assert kept == [[str(second[0])]]
    world.share(dana, request["id"], first)  # withdrawn, the clip may be shared anew


def test_downloaded_clip_stays_with_agency_after_withdrawal(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    consent = world.share(dana, request["id"], [dana.clips[0]])["consent"]
    footage = world.ok("GET", f"/portal/requests/{request['id']}/footage", agency.headers)
    assert (
        world.client.get(footage["data"][0]["download_url"], headers=agency.headers).status_code
        == 200
    )
    world.ok("POST", f"/me/consents/{consent['id']}/withdraw", dana.headers)
    after = world.ok("GET", f"/portal/requests/{request['id']}/footage", agency.headers)
    assert after["count"] == 1  # what was already handed over cannot be taken back


def test_decline_is_final_and_looks_like_silence(world: World) -> None:
    agency = world.agency()
    residents = [world.resident(north_m=10 * i, name=f"R{i}") for i in range(12)]
    request = world.file(agency)
    for r in residents[:6]:
        world.ok("POST", f"/me/requests/{request['id']}/decline", r.headers)
    counts = world.ok("GET", f"/portal/requests/{request['id']}", agency.headers)["response_counts"]
    assert counts == {"notified": 12, "shared": None, "not_shared": None}
    refused = world.client.post(
        f"/me/requests/{request['id']}/share",
        headers=residents[0].headers,
        json={"clip_ids": [str(residents[0].clips[0])]},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "illegal_transition"
