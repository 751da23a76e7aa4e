"""Abuse limits (OWASP API4:2023): body size, page size, rate limits, the policy's bounds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from app.access import ALLOW_LIST, ANYONE
from app.limits import BodySizeLimit
from app.ratelimit import RateRule
from app.workflow.states import Role
from tests.factories import World
from tests.security.forgery import fill_path, operations


def log_size(world: World) -> int:
    return world.state_changes()


def chunks(body: bytes, size: int = 1024) -> Iterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


# --- request bodies ------------------------------------------------------------------------


def padded_request(world: World, pad: int) -> bytes:
    """A valid filing padded with `pad` bytes of whitespace (still valid JSON)."""
    raw = json.dumps(world.request_body())
    return raw[:-1].encode() + b" " * pad + b"}"


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_oversized_body_is_413_and_writes_nothing(world: World, streamed: bool) -> None:
    agency = world.agency()
    limit = world.app.state.runtime.settings.max_body_bytes
    body = padded_request(world, limit)
    before = log_size(world)
    headers = {**agency.headers, "Content-Type": "application/json"}
    content: Any = chunks(body) if streamed else body
    response = world.client.post("/portal/requests", content=content, headers=headers)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "body_too_large"
    assert str(limit) in response.json()["detail"]
    assert log_size(world) == before


def test_a_streamed_body_under_the_limit_goes_through(world: World) -> None:
    agency = world.agency()
    body = padded_request(world, 2000)
    headers = {**agency.headers, "Content-Type": "application/json"}
    response = world.client.post("/portal/requests", content=chunks(body, 100), headers=headers)
    assert response.status_code == 201, response.text


def test_the_limit_stops_reading_an_endless_stream() -> None:
    """An endless chunked body: the app reads at most the limit plus one chunk, then 413."""
    read = 0
    sent: list[dict[str, Any]] = []

    async def endless() -> dict[str, Any]:
        nonlocal read
        read += 1
        assert read < 10_000, "the limit kept reading"
        return {"type": "http.request", "body": b"x" * 1000, "more_body": True}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:  # an app that reads everything it is given
            await receive()

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    asyncio.run(BodySizeLimit(app, max_bytes=5000)(scope, endless, send))
    assert sent[0]["status"] == 413
    assert read == 6  # 6 x 1000 bytes is the first read past 5000


# --- page sizes ----------------------------------------------------------------------------


def _resolve(openapi: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def list_routes(openapi: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """GET operations whose 200 answer is a list, or an object holding a list of items."""
    found = []
    for method, path, operation in operations(openapi):
        content = operation["responses"].get("200", {}).get("content", {})
        schema = _resolve(openapi, content.get("application/json", {}).get("schema", {}))
        props = {k: _resolve(openapi, v) for k, v in schema.get("properties", {}).items()}
        if method == "GET" and (
            schema.get("type") == "array"
            or any(v.get("type") == "array" for k, v in props.items() if k in ("data", "cells"))
        ):
            found.append((path, operation))
    return found


def test_every_list_route_caps_its_page_size(world: World) -> None:
    openapi = world.app.openapi()
    routes = list_routes(openapi)
    assert len(routes) >= 9  # the lists in the base: agencies, requests, inbox, consents, ...
    uncapped = []
    for path, operation in routes:
        params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        limit = params.get("limit", {}).get("schema", {})
        if "maximum" not in limit or limit["maximum"] > 10_000:
            uncapped.append(path)
    assert not uncapped, (
        "list routes without a capped `limit` query parameter; add `page: Page` "
        f"(app/limits.py) to each: {uncapped}"
    )


def test_asking_past_the_cap_is_refused(world: World) -> None:
    openapi = world.app.openapi()
    agency = world.agency()
    resident = world.resident()
    headers = {
        Role.OPERATOR: world.operator,
        Role.AGENCY: agency.headers,
        Role.RESIDENT: resident.headers,
        Role.AUDITOR: world.auditor,
    }
    for path, operation in list_routes(openapi):
        audience = ALLOW_LIST[f"GET {path}"]
        caller = {} if audience == ANYONE else headers[next(iter(audience))]  # type: ignore[arg-type]
        limit = next(p for p in operation["parameters"] if p["name"] == "limit")
        too_many = limit["schema"]["maximum"] + 1
        response = world.client.get(fill_path(path), params={"limit": too_many}, headers=caller)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["errors"][0]["field"] == "limit"


def test_a_page_holds_at_most_limit_items(world: World) -> None:
    for i in range(3):
        world.agency(name=f"Agency {i}")
    first = world.ok("GET", "/operator/agencies?limit=2", world.operator)
    rest = world.ok("GET", "/operator/agencies?limit=2&offset=2", world.operator)
    assert len(first["data"]) == 2 and len(rest["data"]) == 1
    assert {a["id"] for a in first["data"]}.isdisjoint({a["id"] for a in rest["data"]})
    everything = world.ok("GET", "/audit/entries?limit=5", world.auditor)
    assert everything["count"] == 5 and everything["next_start"] == 5


# --- rate limits ---------------------------------------------------------------------------


def set_rule(world: World, name: str, limit: int, per: timedelta) -> None:
    world.app.state.edge_limiter.rules[name] = RateRule(name, limit, per)


def test_token_minting_is_limited_per_subject(world: World) -> None:
    set_rule(world, "token_minting", 3, timedelta(hours=1))
    body = {"role": "auditor"}
    for _ in range(3):
        world.ok("POST", "/operator/tokens", world.operator, json=body)
    world.clock.advance(timedelta(minutes=20))
    refused = world.client.post("/operator/tokens", json=body, headers=world.operator)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == str(40 * 60)  # when the first mint leaves the hour
    # another operator is not held up by the first one's limit
    other = world.headers(Role.OPERATOR, uuid4())
    world.ok("POST", "/operator/tokens", other, json=body)
    world.clock.advance(timedelta(minutes=40))
    world.ok("POST", "/operator/tokens", world.operator, json=body)


def test_filing_is_limited_per_agency_by_default(world: World) -> None:
    """The default edge limit (10 filings an hour) holds without any configuration."""
    agency, other = world.agency(), world.agency(name="Other")
    for _ in range(10):
        world.file(agency)
    before = log_size(world)
    refused = world.client.post(
        "/portal/requests", json=world.request_body(), headers=agency.headers
    )
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert "request_filing" in refused.json()["detail"]
    assert log_size(world) == before, "a refused filing was written"
    world.file(other)


def test_a_refused_call_is_not_counted(world: World) -> None:
    """Hitting the limit does not extend it: after the window the agency may file again."""
    set_rule(world, "request_filing", 1, timedelta(minutes=10))
    agency = world.agency()
    world.file(agency)
    for _ in range(5):
        response = world.client.post(
            "/portal/requests", json=world.request_body(), headers=agency.headers
        )
        assert response.status_code == 429
    world.clock.advance(timedelta(minutes=10))
    world.file(agency)


def test_a_filing_refused_after_the_guard_still_counts(world: World) -> None:
    """The filing limit counts attempts, not filings that succeed: one the policy refuses
    (`area_out_of_bounds`) or whose body fails the schema (`validation_error`) spends the budget
    too. Refused filings probe the policy (its bounds, the jurisdiction's edge) and each policy
    refusal is logged as a `decision.*` record: uncounted, they would be free and unlimited."""
    set_rule(world, "request_filing", 2, timedelta(hours=1))
    agency = world.agency()
    for body, code in (
        (world.request_body(radius_m=50), "area_out_of_bounds"),
        ({**world.request_body(), "case_number": 7}, "validation_error"),
    ):
        response = world.client.post("/portal/requests", json=body, headers=agency.headers)
        assert response.status_code == 422 and response.json()["code"] == code, response.text
    limited = world.client.post(
        "/portal/requests", json=world.request_body(), headers=agency.headers
    )
    assert limited.status_code == 429, limited.text
    assert limited.json()["code"] == "rate_limited"
    world.clock.advance(timedelta(hours=1))
    world.file(agency)


def test_a_body_refused_as_it_is_read_does_not_count(world: World) -> None:
    """FastAPI reads the body before the guard runs: a body that is not JSON, or that gives a
    key twice, is refused before any token is looked at, and spends nothing."""
    set_rule(world, "request_filing", 1, timedelta(hours=1))
    agency = world.agency()
    headers = {**agency.headers, "Content-Type": "application/json"}
    for content, code in ((b"{", "validation_error"), (b'{"a": 1, "a": 2}', "duplicate_key")):
        response = world.client.post("/portal/requests", content=content, headers=headers)
        assert response.status_code == 422 and response.json()["code"] == code, response.text
    world.file(agency)


# --- the policy's bounds on area and window ------------------------------------------------


BOUNDS = [
    ({"radius_m": 50}, "area_out_of_bounds"),  # 0.003 sq mi, below 0.025
    ({"radius_m": 1000}, "area_out_of_bounds"),  # 1.2 sq mi, above 0.5
    ({"hours": 5 / 60}, "window_out_of_bounds"),  # 5 minutes, below 15
    ({"hours": 13}, "window_out_of_bounds"),  # above 12 hours
    ({"days_ago": 46}, "window_too_old"),  # lookback 45 days
    ({"radius_m": 25_000}, "validation_error"),  # beyond any policy: refused by the schema
]


def test_policy_bounds_on_area_and_window(world: World) -> None:
    agency = world.agency()
    before = log_size(world)
    for change, code in BOUNDS:
        days_ago = change.get("days_ago", 0)
        shape = {k: v for k, v in change.items() if k != "days_ago"}
        start = world.clock.now() - timedelta(days=days_ago, hours=13 if days_ago == 0 else 0)
        body = world.request_body(start=start, **shape)
        response = world.client.post("/portal/requests", json=body, headers=agency.headers)
        assert response.status_code == 422, (change, response.text)
        assert response.json()["code"] == code, change
    assert log_size(world) == before


def test_hostile_json_within_the_limit_is_refused_cleanly(world: World) -> None:
    """Deep nesting and huge numbers fit in 64 KB; they must cost a 4xx, never a 500."""
    agency = world.agency()
    headers = {**agency.headers, "Content-Type": "application/json"}
    hostile = {
        "deep": b"[" * 30_000 + b"]" * 30_000,
        "huge-number": b'{"case_number": ' + b"9" * 50_000 + b"}",
        "not-utf8": b'{"case_number": "\xff\xfe"}',
        "duplicate-keys": b'{"case_number": "a", "case_number": "b"}',
    }
    for name, body in hostile.items():
        response = world.client.post("/portal/requests", content=body, headers=headers)
        assert response.status_code in (400, 422), (name, response.status_code, response.text)
        expected = (
            ("duplicate_key",)
            if name == "duplicate-keys"
            else ("malformed_body", "validation_error")
        )
        assert response.json()["code"] in expected, name


def test_a_stolen_operator_token_cannot_escape_its_limit_by_minting_operators(
    world: World,
) -> None:
    """The minting limit is per operator subject, and an operator token minted over the API got
    a fresh subject, so a fresh budget: one stolen token became as many mints as wanted.
    Operator tokens are minted only by `consentgate token operator` (server access)."""
    set_rule(world, "token_minting", 3, timedelta(hours=1))
    children = []
    for _ in range(3):
        answer = world.client.post(
            "/operator/tokens", headers=world.operator, json={"role": "operator"}
        )
        if answer.status_code == 201:
            children.append({"Authorization": f"Bearer {answer.json()['token']}"})
        else:
            assert answer.status_code == 422, answer.text
            assert answer.json()["code"] == "validation_error"
            assert answer.json()["detail"].startswith("role:")
    minted_by_children = sum(
        world.client.post("/operator/tokens", headers=child, json={"role": "auditor"}).status_code
        == 201
        for child in children
        for _ in range(3)
    )
    assert minted_by_children == 0, f"{minted_by_children} mints beyond the stolen token's limit"
