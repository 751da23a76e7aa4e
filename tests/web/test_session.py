"""Pages authorise exactly as the API does: the cookie's token is decoded the same way, with the
same clock and role check; forms need their session's CSRF token and a same-origin post."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi import FastAPI

from app.clock import SimulatedClock
from app.security import mint_token
from app.workflow.context import Actor
from app.workflow.states import Role
from tests.factories import World
from tests.web.conftest import Pages, filing_form

ROLE_PAGES = ("/web/agency", "/web/resident", "/web/auditor")


@pytest.mark.parametrize("url", ROLE_PAGES)
def test_a_role_page_without_a_session_is_refused_with_401(pages: Pages, url: str) -> None:
    response = pages.get(url)
    assert response.status_code == 401
    assert "not_authenticated" in response.text
    assert "Sign in as" in response.text


def test_a_forged_token_is_refused_and_sets_no_cookie(pages: Pages, world: World) -> None:
    agency = world.agency()
    token = agency.headers["Authorization"].removeprefix("Bearer ")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = pages.client.post("/web/session", data={"token": forged}, follow_redirects=False)
    assert response.status_code == 401
    assert "invalid_token" in response.text
    assert "set-cookie" not in response.headers


def test_a_token_that_expires_stops_working_on_the_next_page(
    pages: Pages, app: FastAPI, clock: SimulatedClock, world: World
) -> None:
    agency = world.agency()
    actor = Actor(Role.AGENCY, agency.id, "Officer Brief")
    token = mint_token(
        app.state.runtime.tokens, actor, now=clock.now(), lifetime=timedelta(minutes=5)
    )
    assert pages.sign_in({"Authorization": f"Bearer {token}"}).status_code == 303
    assert pages.get("/web/agency").status_code == 200
    clock.advance(timedelta(minutes=6))
    response = pages.get("/web/agency")
    assert response.status_code == 401
    assert "invalid_token" in response.text


def test_the_operator_has_no_pages(pages: Pages, world: World) -> None:
    response = pages.sign_in(world.operator)
    assert response.status_code == 403
    assert "no_pages_for_role" in response.text


def test_a_token_under_another_roles_cookie_is_refused_as_the_wrong_role(
    pages: Pages, world: World
) -> None:
    resident = world.resident()
    token = resident.headers["Authorization"].removeprefix("Bearer ")
    pages.client.cookies.set("cg_agency", token, path="/web")
    response = pages.get("/web/agency")
    assert response.status_code == 403
    assert "wrong_role" in response.text


def test_the_session_cookie_is_httponly_strict_and_scoped_to_the_pages(
    pages: Pages, world: World
) -> None:
    response = pages.sign_in(world.agency().headers)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/web/agency")
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("cg_agency=")
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/web" in cookie


def test_a_form_post_without_its_csrf_token_writes_nothing(pages: Pages, world: World) -> None:
    agency = world.agency()
    pages.sign_in(agency.headers)
    body = world.request_body()
    form = {"csrf": "0" * 64, **filing_form(body)}
    response = pages.client.post("/web/agency/requests", data=form, follow_redirects=False)
    assert response.status_code == 403
    assert "csrf_failed" in response.text
    form["csrf"] = pages.csrf("/web/agency")
    cross = pages.client.post(
        "/web/agency/requests",
        data=form,
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert cross.status_code == 403
    assert "cross_origin" in cross.text
    assert world.ok("GET", "/portal/requests", agency.headers)["count"] == 0
    # The same form with its token and from the page's own origin is accepted.
    accepted = pages.client.post("/web/agency/requests", data=form, follow_redirects=False)
    assert accepted.status_code == 303
    assert world.ok("GET", "/portal/requests", agency.headers)["count"] == 1


def test_another_agencys_request_looks_exactly_like_one_that_does_not_exist(
    pages: Pages, world: World
) -> None:
    owner, other = world.agency(name="Owner PD"), world.agency(name="Other PD")
    world.resident()
    filed = world.file(owner)
    pages.sign_in(other.headers)
    theirs = pages.get(f"/web/agency/requests/{filed['id']}")
    missing = pages.get(f"/web/agency/requests/{uuid4()}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text
    assert "request_not_found" in theirs.text


def test_the_start_page_offers_the_seeds_demo_tokens_and_signs_in_with_one(
    pages: Pages, world: World, settings: object, tmp_path: Path
) -> None:
    assert "No demo tokens found" in pages.get("/web/").text
    agency = world.agency()
    token = agency.headers["Authorization"].removeprefix("Bearer ")
    (tmp_path / "demo.env").write_text(f"export AGENCY_TOKEN={token}\nexport CG=http://x\n")
    start = pages.get("/web/").text
    assert 'value="agency"' in start
    assert 'value="resident"' not in start  # only the tokens the file holds
    response = pages.client.post("/web/session", data={"demo": "agency"}, follow_redirects=False)
    assert response.status_code == 303
    assert pages.get("/web/agency").status_code == 200
    missing = pages.client.post("/web/session", data={"demo": "resident"}, follow_redirects=False)
    assert missing.status_code == 404
    assert "demo_not_available" in missing.text


def test_signing_out_ends_every_role(pages: Pages, world: World) -> None:
    pages.sign_in(world.agency().headers)
    pages.sign_in(world.auditor)
    assert pages.get("/web/auditor").status_code == 200
    pages.client.post("/web/session/end", follow_redirects=False)
    assert pages.get("/web/agency").status_code == 401
    assert pages.get("/web/auditor").status_code == 401


def test_a_form_post_with_no_token_field_is_refused_as_a_page(pages: Pages, world: World) -> None:
    agency = world.agency()
    filed = world.file(agency)
    pages.sign_in(agency.headers)
    response = pages.client.post(f"/web/agency/requests/{filed['id']}/close", data={})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "csrf_failed" in response.text
    assert world.ok("GET", f"/portal/requests/{filed['id']}", agency.headers)["status"] == "open"
