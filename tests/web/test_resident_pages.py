"""The resident's pages: her own clips as frames, share chosen clips, decline, withdraw,
opt out, and what was disclosed; every action lands as the API's own call."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from app.policies import StandardPolicy, load_policy
from app.policies.params import IdentityOnShare
from tests.factories import World
from tests.web.conftest import Pages

FRAME = re.compile(r'src="(data:image/svg\+xml;base64,[A-Za-z0-9+/=]+)"')
# A clip's frames, then its checkbox (templates/resident_request.html).
CLIP_FRAME = re.compile(
    r'src="(data:image/svg\+xml;base64,[A-Za-z0-9+/=]+)"[^>]*>\s*<div class="check">\s*'
    r'<input type="checkbox" name="clip_ids" value="([0-9a-f-]+)"'
)


def test_the_request_page_draws_one_frame_strip_per_matching_clip(
    pages: Pages, world: World
) -> None:
    agency, dana = world.agency(), world.resident(clips=3)
    filed = world.file(agency, hours=0.4)  # clips start 10 minutes apart, 5 after the window
    pages.sign_in(dana.headers)
    inbox = pages.get("/web/resident").text
    assert f'href="/web/resident/requests/{filed["id"]}"' in inbox
    page = pages.get(f"/web/resident/requests/{filed['id']}").text
    api = world.ok("GET", f"/me/requests/{filed['id']}", dana.headers)
    assert len(api["matching_clips"]) == 2  # the third starts after the window
    frames = FRAME.findall(page)
    assert len(frames) == 2 and frames[0] != frames[1]
    for clip in api["matching_clips"]:
        assert f'value="{clip["id"]}"' in page
    assert f'value="{dana.clips[2]}"' not in page


def test_sharing_one_chosen_clip_releases_exactly_that_clip(pages: Pages, world: World) -> None:
    agency, dana = world.agency(), world.resident()
    filed = world.file(agency)
    pages.sign_in(dana.headers)
    url = f"/web/resident/requests/{filed['id']}"
    response = pages.post(f"{url}/share", url, {"clip_ids": [str(dana.clips[1])]})
    assert response.status_code == 303
    assert response.headers["location"] == f"{url}?done=shared"
    releases = world.ok("GET", "/audit/releases", world.auditor)["data"]
    assert [r["clip_id"] for r in releases] == [str(dana.clips[1])]
    assert releases[0]["consent"]["clip_ids"] == [str(dana.clips[1])]
    page = pages.get(f"{url}?done=shared").text
    assert "Shared. A consent scoped" in page
    assert 'id="my-answer">shared<' in page


def test_sharing_nothing_is_refused_and_writes_nothing(pages: Pages, world: World) -> None:
    agency, dana = world.agency(), world.resident()
    filed = world.file(agency)
    pages.sign_in(dana.headers)
    url = f"/web/resident/requests/{filed['id']}"
    response = pages.post(f"{url}/share", url, {})
    assert response.status_code == 422
    assert "validation_error" in response.text and "clip_ids" in response.text
    assert world.ok("GET", "/me/consents", dana.headers)["count"] == 0


def test_a_refused_answer_is_shown_on_the_request_page_with_her_ticks_kept(
    pages: Pages, world: World
) -> None:
    """Sharing nothing once led to a bare error page in pydantic's words ("List should have at
    least 1 item after validation"); the resident had to go back and start again."""
    agency, dana, eve = world.agency(), world.resident(), world.resident(north_m=20, name="Eve")
    filed = world.file(agency)
    pages.sign_in(dana.headers)
    url = f"/web/resident/requests/{filed['id']}"
    before = world.state_changes()
    nothing = pages.post(f"{url}/share", url, {})
    assert nothing.status_code == 422
    assert 'id="answer-error"' in nothing.text and "No clip was ticked" in nothing.text
    assert "List should have" not in nothing.text
    assert len(CLIP_FRAME.findall(nothing.text)) == 2  # still her request, frames and all
    assert 'id="share"' in nothing.text and 'id="decline"' in nothing.text
    # A refusal by the workflow lands on the same page, with the box she ticked still ticked.
    chosen = str(dana.clips[1])
    slipped = pages.post(f"{url}/share", url, {"clip_ids": [chosen, str(eve.clips[0])]})
    assert slipped.status_code == 422 and 'id="answer-error"' in slipped.text
    assert "clip_not_in_scope" in slipped.text
    assert re.search(rf'value="{chosen}" id="clip-\d"\s+checked', slipped.text)
    assert not re.search(rf'value="{dana.clips[0]}" id="clip-\d"\s+checked', slipped.text)
    assert world.state_changes() == before  # neither refusal wrote anything
    world.ok("POST", f"/portal/requests/{filed['id']}/close", agency.headers)
    before = world.state_changes()
    declined = pages.post(f"{url}/decline", url)
    assert declined.status_code == 409 and 'id="answer-error"' in declined.text
    assert "request_not_open" in declined.text
    assert world.state_changes() == before


def test_another_residents_clip_cannot_be_slipped_into_a_share(pages: Pages, world: World) -> None:
    agency, dana, eve = world.agency(), world.resident(), world.resident(north_m=20, name="Eve")
    filed = world.file(agency)
    pages.sign_in(dana.headers)
    url = f"/web/resident/requests/{filed['id']}"
    response = pages.post(f"{url}/share", url, {"clip_ids": [str(eve.clips[0])]})
    assert response.status_code == 422
    assert "clip_not_in_scope" in response.text
    assert world.ok("GET", "/audit/releases", world.auditor)["count"] == 0


def test_declining_through_the_page(pages: Pages, world: World) -> None:
    agency, dana = world.agency(), world.resident()
    filed = world.file(agency)
    pages.sign_in(dana.headers)
    url = f"/web/resident/requests/{filed['id']}"
    assert pages.post(f"{url}/decline", url).status_code == 303
    assert world.ok("GET", f"/me/requests/{filed['id']}", dana.headers)["response"] == "declined"
    page = pages.get(url).text
    assert 'id="share"' not in page and 'id="decline"' not in page  # declining is final


def test_withdrawing_revokes_what_the_agency_has_not_downloaded(pages: Pages, world: World) -> None:
    agency, dana = world.agency(), world.resident()
    filed = world.file(agency)
    world.share(dana, filed["id"], [dana.clips[0]])
    footage_url = f"/portal/requests/{filed['id']}/footage"
    assert world.ok("GET", footage_url, agency.headers)["count"] == 1
    consent = world.ok("GET", "/me/consents", dana.headers)["data"][0]
    pages.sign_in(dana.headers)
    url = f"/web/resident/requests/{filed['id']}"
    response = pages.post(f"/web/resident/consents/{consent['id']}/withdraw", url)
    assert response.status_code == 303
    assert response.headers["location"] == f"{url}?done=withdrawn"
    assert world.ok("GET", footage_url, agency.headers)["count"] == 0
    disclosed = pages.get("/web/resident/disclosures").text
    assert "Agency" in disclosed and filed["case_number"] in disclosed
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d UTC</td>\s*</tr>", disclosed)  # revoked at


def test_opting_out_on_the_page_stops_new_notices(pages: Pages, world: World) -> None:
    agency, dana = world.agency(), world.resident()
    pages.sign_in(dana.headers)
    response = pages.post("/web/resident/settings", "/web/resident", {"opted_out": "on"})
    assert response.status_code == 303
    assert world.ok("GET", "/me/settings", dana.headers)["opted_out"] is True
    assert "checked" in pages.get("/web/resident").text
    world.file(agency)
    assert world.ok("GET", "/me/requests", dana.headers)["count"] == 0
    pages.post("/web/resident/settings", "/web/resident", {})  # unchecked: back in
    assert world.ok("GET", "/me/settings", dana.headers)["opted_out"] is False


def test_a_resident_sees_only_requests_she_was_notified_of(pages: Pages, world: World) -> None:
    agency = world.agency()
    world.resident()
    far = world.resident(north_m=2000, name="Far Away")
    filed = world.file(agency)
    pages.sign_in(far.headers)
    response = pages.get(f"/web/resident/requests/{filed['id']}")
    assert response.status_code == 404
    assert "request_not_found" in response.text


def test_the_agency_sees_the_same_frames_the_resident_shared(pages: Pages, world: World) -> None:
    agency, dana = world.agency(), world.resident()
    filed = world.file(agency)
    world.share(dana, filed["id"], [dana.clips[1]])
    pages.sign_in(dana.headers)
    page = pages.get(f"/web/resident/requests/{filed['id']}").text
    mine = {clip: frame for frame, clip in CLIP_FRAME.findall(page)}
    assert set(mine) == {str(c) for c in dana.clips}
    pages.sign_in(agency.headers)
    footage = world.ok("GET", f"/portal/requests/{filed['id']}/footage", agency.headers)
    release_id = footage["data"][0]["release_id"]
    theirs = FRAME.findall(pages.get(f"/web/agency/footage/{release_id}").text)
    assert theirs == [mine[str(dana.clips[1])]]  # the shared clip, and not the other one
    assert theirs != [mine[str(dana.clips[0])]]


def test_the_request_page_says_what_sharing_discloses_under_the_policy_in_force(
    pages: Pages, world: World
) -> None:
    agency, dana = world.agency(), world.resident()
    filed = world.file(agency)
    pages.sign_in(dana.headers)
    page = pages.get(f"/web/resident/requests/{filed['id']}").text
    assert "not your name, your contact details" in page
    assert "clips the agency has not downloaded yet are then taken back" in page


# The Request for Assistance terms (ring-rfa-2021) without its moderation step, so the request
# reaches her at once: her contact on every share, and released clips kept after a withdrawal.
CONTACT_ON_SHARE = StandardPolicy(
    "contact-on-share",
    replace(
        load_policy("privacy-by-design").params,
        identity_on_share=IdentityOnShare.CONTACT,
        withdrawal_revokes_undownloaded=False,
    ),
)


@pytest.mark.parametrize("policy", [CONTACT_ON_SHARE])
def test_where_sharing_names_her_the_page_warns_of_identity_and_kept_clips(
    pages: Pages, world: World, policy: StandardPolicy
) -> None:
    """The page once promised every resident anonymity and a withdrawal that takes clips back,
    whatever the policy; under the Request for Assistance terms sharing gives her name and
    e-mail to the agency and a withdrawal leaves released clips with it."""
    agency, dana = world.agency(), world.resident(name="Dana Private")
    filed = world.file(agency)
    pages.sign_in(dana.headers)
    url = f"/web/resident/requests/{filed['id']}"
    page = pages.get(url).text
    assert "sharing also gives the agency your name and e-mail address" in page
    assert "not your name" not in page
    assert "clips already released stay available to the agency" in page
    world.share(dana, filed["id"], [dana.clips[0]])
    footage = world.ok("GET", f"/portal/requests/{filed['id']}/footage", agency.headers)
    assert footage["data"][0]["neighbor_label"].startswith("Dana Private <")  # as warned
    consent = world.ok("GET", "/me/consents", dana.headers)["data"][0]
    response = pages.post(f"/web/resident/consents/{consent['id']}/withdraw", url)
    assert response.headers["location"] == f"{url}?done=withdrawn-kept"
    assert world.ok("GET", f"/portal/requests/{filed['id']}/footage", agency.headers)["count"] == 1
    after = pages.get(response.headers["location"]).text
    assert "clips already released stay available to the agency" in after
    assert "are no longer available" not in after


def test_the_inbox_tells_requests_apart(pages: Pages, world: World) -> None:
    """Each row once showed only agency, incident type and window, and every link read "Open":
    two requests about the same incident looked the same and a screen reader heard "Open,
    Open"."""
    agency, dana = world.agency(), world.resident()
    first = world.request_body(case="INBOX-1") | {"description": "Parcel taken from the porch"}
    second = world.request_body(case="INBOX-2") | {"description": "Bicycle taken from the yard"}
    for body in (first, second):
        world.ok("POST", "/portal/requests", agency.headers, json=body)
    pages.sign_in(dana.headers)
    inbox = pages.get("/web/resident").text
    assert "Parcel taken from the porch" in inbox and "Bicycle taken from the yard" in inbox
    names = re.findall(r'<a href="/web/resident/requests/[0-9a-f-]+"\s+aria-label="([^"]+)"', inbox)
    assert len(names) == 2 and len(set(names)) == 2
    assert all(name.startswith("Open the request: burglary, ") for name in names)
