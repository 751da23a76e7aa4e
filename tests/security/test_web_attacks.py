"""Attacks on the web walkthrough (app/web/) that the JSON API's tests do not reach."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from app.audit.keys import DEFAULT_ORIGIN
from app.clock import SimulatedClock
from app.config import Settings
from app.main import create_app
from app.ratelimit import RateRule
from app.security import mint_token
from app.sim import compare as simulation_compare
from app.web import lab_run
from app.workflow.context import Actor
from app.workflow.signed_note import Signer
from app.workflow.states import Role
from tests.conftest import PG_URL
from tests.factories import World
from tests.security.forgery import DEEP, b64
from tests.web.conftest import Pages, filing_form

memory_only = pytest.mark.skipif(bool(PG_URL), reason="no database involved; ran on SQLite")
PAIR = "/web/lab?a=privacy-by-design&b=ring-rfa-2021&run=1"


@pytest.fixture
def pages(client: TestClient) -> Pages:
    return Pages(client)


@pytest.fixture
def compare_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, ...]]]:
    """Every simulation the lab starts, run for real; no remembered run before or after."""
    calls: list[tuple[Any, ...]] = []
    # The lab imports `compare` when it first runs (app/web/lab_run.py): spy on its module.
    real = simulation_compare.compare

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(simulation_compare, "compare", spy)
    lab_run.forget_runs()
    yield calls
    lab_run.forget_runs()


@memory_only
def test_an_anonymous_visitor_cannot_make_the_lab_simulate_again_and_again(
    pages: Pages, compare_calls: list[tuple[Any, ...]]
) -> None:
    """GET /web/lab?run=1 needs no token and costs seconds of CPU: repeating it must not."""
    first = pages.get(PAIR)
    again = [pages.get(PAIR) for _ in range(3)]
    assert first.status_code == 200 and 'id="comparison"' in first.text
    assert all(r.text == first.text for r in again)
    assert len(compare_calls) == 1


@memory_only
def test_a_run_while_another_is_going_is_refused_not_queued(
    pages: Pages, compare_calls: list[tuple[Any, ...]]
) -> None:
    """A burst of visitors would otherwise hold every worker thread (and core) at once."""
    with lab_run._RUNNING:  # another visitor's run is in progress
        busy = pages.get(PAIR)
    assert busy.status_code == 503, busy.status_code
    assert "lab_busy" in busy.text and busy.headers["retry-after"] == "5"
    assert compare_calls == []
    assert pages.get(PAIR).status_code == 200  # the slot is free again


HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_hostile_text_is_escaped_on_every_page(world: World, pages: Pages) -> None:
    """Names, the officer (a token claim), case number and description carry markup; every
    page that shows them, and the lab's and the flash message's reflected parameters, escape it.
    """
    agency = world.agency(name="Agency" + HOSTILE)
    agency.headers = world.headers(Role.AGENCY, agency.id, name="Officer" + HOSTILE)
    resident = world.resident(name="Resident" + HOSTILE)
    body = world.request_body()
    body["case_number"] = "C" + HOSTILE[:40]
    body["description"] = "D" + HOSTILE
    filed = world.ok("POST", "/portal/requests", agency.headers, json=body)
    assert filed["officer"].endswith(HOSTILE)  # stored as given: escaping is the page's job
    world.share(resident, filed["id"], resident.clips[:1])
    for headers in (agency.headers, resident.headers, world.auditor):
        assert pages.sign_in(headers).status_code == 303
    rid = filed["id"]
    urls = [
        "/web/agency",
        f"/web/agency/requests/{rid}",
        "/web/resident",
        f"/web/resident/requests/{rid}",
        "/web/resident/disclosures",
        "/web/auditor",
        "/web/auditor/log",
        "/web/compare",
        f"/web/compare/{rid}",
        f"/web/lab?a={HOSTILE}",
        f"/web/?done={HOSTILE}",
    ]
    for url in urls:
        text = pages.get(url).text
        assert "<script>alert" not in text and "<img src=x" not in text, url
    # the markup did reach the pages, escaped (so the check above is not vacuous)
    assert "&lt;script&gt;alert(1)" in pages.get(f"/web/agency/requests/{rid}").text


def test_the_session_cookie_is_secure_in_production_even_behind_a_tls_proxy(
    settings: Settings, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A TLS-terminating proxy on another host talks plain HTTP to the service, so the request
    looks like http://: the cookie (a bearer token) must still never be sent over plain HTTP."""
    signer = Signer(DEFAULT_ORIGIN, Ed25519PrivateKey.generate())
    monkeypatch.setenv("CONSENTGATE_LOG_KEY", signer.encode())
    production = settings.model_copy(update={"env": "production"})
    app = create_app(production, clock=clock)
    try:
        with TestClient(app, base_url="http://consentgate.internal") as client:
            runtime = app.state.runtime
            actor = Actor(Role.AUDITOR, uuid4())
            token = mint_token(runtime.tokens, actor, now=clock.now(), lifetime=timedelta(hours=1))
            signed_in = client.post("/web/session", data={"token": token}, follow_redirects=False)
    finally:
        app.state.runtime.db.dispose()
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"].lower()
    assert cookie.startswith("cg_auditor=") and "; secure" in cookie, cookie


def test_outside_production_a_plain_http_session_still_works(world: World, pages: Pages) -> None:
    """`make run` on http://127.0.0.1: a Secure cookie would not come back over plain HTTP."""
    cookie = pages.sign_in(world.auditor).headers["set-cookie"].lower()
    assert "secure" not in cookie
    assert pages.get("/web/auditor").status_code == 200


def test_signing_in_with_a_deeply_nested_token_header_is_a_401_not_a_crash(pages: Pages) -> None:
    token = f"{b64(DEEP)}.{b64(b'{}')}.{b64(b'x')}"
    refused = pages.client.post("/web/session", data={"token": token}, follow_redirects=False)
    assert refused.status_code == 401 and "invalid_token" in refused.text
    assert "set-cookie" not in refused.headers


def test_the_api_ignores_the_page_cookie(world: World, pages: Pages) -> None:
    """The cookie is sent by the browser on its own, so an API route accepting it would be open
    to cross-site requests; the API reads the Authorization header only, pages the cookie only."""
    agency = world.agency()
    assert pages.sign_in(agency.headers).status_code == 303
    token = agency.headers["Authorization"].removeprefix("Bearer ")
    world.client.cookies.clear()
    cookie = {"Cookie": f"cg_agency={token}"}  # as if the cookie were not scoped to /web
    for path in ("/portal/requests", "/portal/map"):
        answer = world.client.get(path, headers=cookie)
        assert answer.status_code == 401, (path, answer.status_code)
        assert answer.json()["code"] == "not_authenticated"
    # and a page does not take the header in place of its cookie
    world.client.cookies.clear()
    page = world.client.get("/web/agency", headers=agency.headers)
    assert page.status_code == 401


def test_the_web_form_does_not_escape_the_filing_limit(world: World, pages: Pages) -> None:
    """The edge limit of 10 filings an hour (the dragnet's brake) was applied by the API's guard
    to POST /portal/requests only; the agency page's form calls the same handler directly, so an
    agency signed in on the pages could file without limit."""
    world.app.state.edge_limiter.rules["request_filing"] = RateRule(
        "request_filing", 2, timedelta(hours=1)
    )
    agency = world.agency()
    assert pages.sign_in(agency.headers).status_code == 303
    statuses = []
    for n in range(4):
        body = world.request_body(case=f"CASE-web-{n}")
        form = filing_form(body)
        statuses.append(pages.post("/web/agency/requests", "/web/agency", form).status_code)
    filed = world.ok("GET", "/portal/requests", agency.headers)["count"]
    assert filed == 2, (filed, statuses)
    assert statuses[2:] == [429, 429], statuses
    # and the API shares the same budget: the agency's third filing there is refused too
    api = world.client.post("/portal/requests", headers=agency.headers, json=world.request_body())
    assert api.status_code == 429
