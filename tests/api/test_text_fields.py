"""A NUL character (U+0000) in any text a client sends is refused with 422, on both backends.

PostgreSQL's text types cannot hold it: psycopg refused to send it and the request ended in a
500 (`POST /portal/requests` with `"case_number": "a\\u0000b"`), where SQLite stored it. Each
text field of each body is sent in an otherwise valid call that is accepted without the NUL, and
the list of fields is checked against the OpenAPI document, so a text field added later without
`NoNul` (app/schemas/common.py) fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from app.policies import StandardPolicy
from app.security import mint_token
from app.workflow.context import Actor
from app.workflow.states import Role
from tests.api.test_refusals import refused
from tests.factories import CITY, World
from tests.policies.helpers import policy_with

NUL_REASON = "must not contain the NUL character (\\u0000)"


@pytest.fixture
def policy() -> StandardPolicy:
    """Moderated, so there is a request to reject, and with emergency disclosure, so an
    exception request is filed and waits for the operator's decision: without the NUL each call
    below writes its text, which is what failed on PostgreSQL."""
    return policy_with(moderation=True, emergency_disclosure=True)


Call = tuple[str, dict[str, str], dict[str, Any]]


def _agency(world: World) -> Call:
    body = {"name": "Text PD", "jurisdiction": "Textville", "center_lat": CITY[0]}
    return "/operator/agencies", world.operator, body | {"center_lng": CITY[1], "radius_m": 500}


def _resident(world: World) -> Call:
    return "/operator/residents", world.operator, {"name": "Ann", "contact": "ann@example.org"}


def _camera(world: World) -> Call:
    resident = world.resident(clips=0)
    body = {"lat": CITY[0], "lng": CITY[1], "label": "porch"}
    return f"/operator/residents/{resident.id}/cameras", world.operator, body


def _token(world: World) -> Call:
    body = {"role": "agency", "subject": str(world.agency().id), "name": "Sgt. Ray"}
    return "/operator/tokens", world.operator, body


def _request(world: World) -> Call:
    return "/portal/requests", world.agency().headers, world.request_body()


def _emergency_body(world: World) -> dict[str, Any]:
    return world.request_body() | {"kind": "emergency", "justification": "Missing child"}


def _exception_request(world: World) -> Call:
    return "/portal/exception-requests", world.agency().headers, _emergency_body(world)


def _reject(world: World) -> Call:
    request = world.file(world.agency())  # pending review: the policy is moderated
    url = f"/operator/requests/{request['id']}/reject"
    return url, world.operator, {"reason": "Out of scope"}


def _approve_exception(world: World) -> Call:
    agency = world.agency()
    filed = world.ok(
        "POST", "/portal/exception-requests", agency.headers, json=_emergency_body(world)
    )
    url = f"/operator/requests/{filed['id']}/exception"
    return url, world.operator, {"justification": "Checked with the duty officer"}


def _receipt(world: World) -> Call:
    return "/audit/receipts/verify", world.auditor, {"receipt": "a.b.c"}


CALLS: dict[str, Callable[[World], Call]] = {
    "/operator/agencies": _agency,
    "/operator/residents": _resident,
    "/operator/residents/{resident_id}/cameras": _camera,
    "/operator/tokens": _token,
    "/portal/requests": _request,
    "/portal/exception-requests": _exception_request,
    "/operator/requests/{request_id}/reject": _reject,
    "/operator/requests/{request_id}/exception": _approve_exception,
    "/audit/receipts/verify": _receipt,
}

# Every text field of every request body (all are POSTs), as the OpenAPI document lists them.
FIELDS = [
    ("/operator/agencies", "name"),
    ("/operator/agencies", "jurisdiction"),
    ("/operator/residents", "name"),
    ("/operator/residents", "contact"),
    ("/operator/residents/{resident_id}/cameras", "label"),
    ("/operator/tokens", "name"),
    ("/portal/requests", "case_number"),
    ("/portal/requests", "incident_type"),
    ("/portal/requests", "description"),
    ("/portal/exception-requests", "case_number"),
    ("/portal/exception-requests", "incident_type"),
    ("/portal/exception-requests", "description"),
    ("/portal/exception-requests", "justification"),
    ("/operator/requests/{request_id}/reject", "reason"),
    ("/operator/requests/{request_id}/exception", "justification"),
    ("/audit/receipts/verify", "receipt"),
]


@pytest.mark.parametrize("path", sorted(CALLS))
def test_each_call_is_accepted_without_a_nul(world: World, path: str) -> None:
    """The control: the 422s below come from the NUL, not from some other fault of the call."""
    url, headers, body = CALLS[path](world)
    world.ok("POST", url, headers, json=body)


@pytest.mark.parametrize(("path", "field"), FIELDS, ids=[f"{p} {f}" for p, f in FIELDS])
def test_a_nul_in_a_text_field_is_refused_and_nothing_is_written(
    world: World, path: str, field: str
) -> None:
    url, headers, body = CALLS[path](world)
    body[field] = body[field][:1] + "\x00" + body[field][1:]
    answer = refused(world, "POST", url, headers, 422, "validation_error", json=body)
    [error] = answer["errors"]
    assert error["field"] == field
    if field != "incident_type":  # its pattern, [a-z_]+, refuses the NUL first
        assert error["reason"] == NUL_REASON
        assert answer["detail"] == f"{field}: {NUL_REASON}"


def _text_leaves(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Free text properties: strings that are neither a date-time, a UUID nor a fixed choice."""
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    found = []
    for name, prop in schema.get("properties", {}).items():
        for option in prop.get("anyOf", [prop]):
            if "$ref" in option or option.get("type") == "object":
                found += [f"{name}.{leaf}" for leaf in _text_leaves(document, option)]
            elif option.get("type") == "string" and not {"format", "enum", "const"} & set(option):
                found.append(name)
    return found


def test_every_documented_text_field_is_checked(world: World) -> None:
    document = world.app.openapi()
    documented = {
        (path, field)
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if "requestBody" in operation
        for field in _text_leaves(
            document, operation["requestBody"]["content"]["application/json"]["schema"]
        )
    }
    assert documented == set(FIELDS)


def test_a_token_whose_name_holds_a_nul_is_refused(world: World) -> None:
    """A name minted before POST /operator/tokens refused it would still reach storage: the
    officer's name is written with each request the agency files."""
    agency = world.agency()
    token = mint_token(
        world.app.state.runtime.tokens,
        Actor(Role.AGENCY, agency.id, "Officer\x00Test"),
        now=world.clock.now(),
        lifetime=timedelta(hours=1),
    )
    headers = {"Authorization": f"Bearer {token}"}
    refused(
        world, "POST", "/portal/requests", headers, 401, "invalid_token", json=world.request_body()
    )
