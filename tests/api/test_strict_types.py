"""Request bodies refuse a value of the wrong JSON type instead of converting it: `"yes"` for a
boolean, `"500"` for a number, `1.0` for an integer (app/schemas/common.py, Body). Strings for
date-times, UUIDs and enums stay accepted (JSON has no such types), and an integer stays a valid
number where a float is documented."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import pytest

from app.access import AGENCY, OPERATOR, RESIDENT, api_allow_list
from app.schemas.common import Body
from tests.api.test_refusals import refused
from tests.factories import CITY, World, iso

AGENCY_BODY = {
    "name": "Strict PD",
    "jurisdiction": "Strictville",
    "center_lat": CITY[0],
    "center_lng": CITY[1],
    "radius_m": 500,
}


def _wrong_type(
    world: World, method: str, url: str, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    return refused(world, method, url, headers, 422, "validation_error", json=body)


# --- the operator's bodies -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("federal", "yes", "Input should be a valid boolean, not a string"),
        ("verified", 1, "Input should be a valid boolean, not an integer"),
        ("radius_m", "500", "Input should be a valid number, not a string"),
        ("center_lat", True, "Input should be a valid number, not true or false"),
    ],
)
def test_operator_agency_refuses_a_wrong_json_type(
    world: World, field: str, value: Any, reason: str
) -> None:
    answer = _wrong_type(
        world, "POST", "/operator/agencies", world.operator, {**AGENCY_BODY, field: value}
    )
    assert answer["errors"] == [{"field": field, "reason": reason}]
    assert answer["detail"] == f"{field}: {reason}"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("free_units", 15.0, "Input should be a valid integer, not a number with a decimal point"),
        ("free_units", "15", "Input should be a valid integer, not a string"),
        ("promotion_duty", "false", "Input should be a valid boolean, not a string"),
        ("credit_per_download", "2.5", "Input should be a valid number, not a string"),
    ],
)
def test_operator_partnership_refuses_a_wrong_json_type(
    world: World, field: str, value: Any, reason: str
) -> None:
    agency = world.agency(partnered=False)
    body = {"status": "active", "starts_at": iso(world.clock.now()), field: value}
    url = f"/operator/agencies/{agency.id}/partnership"
    answer = _wrong_type(world, "PUT", url, world.operator, body)
    assert answer["errors"] == [{"field": field, "reason": reason}]


def test_operator_camera_resident_and_token_refuse_wrong_json_types(world: World) -> None:
    resident = world.resident(clips=0)
    body = {"name": "Ann", "contact": "ann@example.org", "encrypt_by_default": "true"}
    answer = _wrong_type(world, "POST", "/operator/residents", world.operator, body)
    assert [e["field"] for e in answer["errors"]] == ["encrypt_by_default"]
    url = f"/operator/residents/{resident.id}/cameras"
    answer = _wrong_type(world, "POST", url, world.operator, {"lat": "40.0", "lng": CITY[1]})
    assert [e["field"] for e in answer["errors"]] == ["lat"]
    body = {"role": "auditor", "minutes": "60"}
    answer = _wrong_type(world, "POST", "/operator/tokens", world.operator, body)
    assert [e["field"] for e in answer["errors"]] == ["minutes"]


def test_operator_bodies_keep_accepting_text_for_dates_ids_and_enums(world: World) -> None:
    """The strings JSON has to use: a date-time, a UUID, an enum value; and an integer where a
    float is documented (radius_m 500, credit_per_download 2)."""
    agency = world.ok("POST", "/operator/agencies", world.operator, json=AGENCY_BODY)
    assert agency["radius_m"] == 500.0 and agency["federal"] is False
    partnership = world.ok(
        "PUT",
        f"/operator/agencies/{agency['id']}/partnership",
        world.operator,
        json={
            "status": "active",
            "starts_at": iso(world.clock.now()),
            "free_units": 15,
            "promotion_duty": True,
            "credit_per_download": 2,
        },
    )
    assert (partnership["status"], partnership["free_units"]) == ("active", 15)
    assert partnership["credit_per_download"] == 2.0
    token = world.ok(
        "POST",
        "/operator/tokens",
        world.operator,
        json={"role": "agency", "subject": agency["id"], "name": "Sgt. Ray", "minutes": 60},
    )
    assert token["subject"] == agency["id"]


# --- the agency's bodies ---------------------------------------------------------------------


def test_portal_request_refuses_a_radius_sent_as_a_string(world: World) -> None:
    agency = world.agency()
    body = world.request_body()
    body["area"]["radius_m"] = "200"
    answer = _wrong_type(world, "POST", "/portal/requests", agency.headers, body)
    assert answer["errors"] == [
        {"field": "area.radius_m", "reason": "Input should be a valid number, not a string"}
    ]


def test_portal_exception_request_refuses_a_nondisclosure_order_as_a_word(world: World) -> None:
    agency = world.agency()
    body = world.request_body() | {
        "kind": "legal",
        "justification": "Warrant 2026-17, county court",
        "legal_process": "warrant",
        "nondisclosure_order": "yes",
    }
    answer = _wrong_type(world, "POST", "/portal/exception-requests", agency.headers, body)
    assert [e["field"] for e in answer["errors"]] == ["nondisclosure_order"]


def test_portal_bodies_keep_accepting_integers_and_text_dates(world: World) -> None:
    agency = world.agency()
    filed = world.file(agency, radius_m=200)  # an integer radius, ISO text for the window
    assert filed["radius_m"] == 200.0
    body = world.request_body() | {
        "kind": "legal",
        "justification": "Warrant 2026-17, county court",
        "legal_process": "warrant",
        "nondisclosure_order": True,
    }
    # The body's types pass: what refuses it is the default policy, which answers no warrant.
    refusal = refused(
        world,
        "POST",
        "/portal/exception-requests",
        agency.headers,
        422,
        "exception_not_allowed",
        json=body,
    )
    assert "errors" not in refusal


# --- the resident's bodies -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", 1, "on"])
def test_resident_settings_refuse_a_switch_that_is_not_a_boolean(world: World, value: Any) -> None:
    resident = world.resident(clips=0)
    answer = _wrong_type(world, "PUT", "/me/settings", resident.headers, {"opted_out": value})
    assert [e["field"] for e in answer["errors"]] == ["opted_out"]
    settings = world.ok("GET", "/me/settings", resident.headers)
    assert settings["opted_out"] is False


def test_resident_bodies_keep_accepting_booleans_and_clip_ids_as_text(world: World) -> None:
    resident = world.resident(clips=1)
    agency = world.agency()
    request = world.file(agency)
    shared = world.share(resident, request["id"], resident.clips)  # UUIDs as strings
    assert shared["consent"]["clip_ids"] == [str(resident.clips[0])]
    settings = world.ok("PUT", "/me/settings", resident.headers, json={"opted_out": True})
    assert settings["opted_out"] is True


# --- every documented boolean, integer and number, in every body ------------------------------


def _ref(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema


def _typed_leaves(
    document: dict[str, Any], schema: dict[str, Any], prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], str]]:
    """(path, JSON type) of every boolean, integer and number property, nested objects too."""
    leaves = []
    for name, prop in _ref(document, schema).get("properties", {}).items():
        options = [_ref(document, p) for p in prop.get("anyOf", [prop])]
        for option in options:
            if option.get("type") in ("boolean", "integer", "number"):
                leaves.append(((*prefix, name), option["type"]))
            elif "properties" in option:
                leaves += _typed_leaves(document, option, (*prefix, name))
    return leaves


def _nested(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    body: Any = value
    for name in reversed(path):
        body = {name: body}
    assert isinstance(body, dict)
    return body


WRONG = {"boolean": "true", "integer": "5", "number": "5"}


def test_every_documented_scalar_in_every_body_refuses_a_string(world: World) -> None:
    """Read off the OpenAPI document, so a field added later is covered without a new test."""
    document = world.app.openapi()
    resident = world.resident(clips=0)
    checked, converted = [], []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            audience = api_allow_list()[f"{method.upper()} {path}"]
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            # Any id will do: the body is validated before the handler looks anything up.
            url = re.sub(r"\{[a-z_]+\}", lambda _: str(uuid4()), path)
            for field, kind in _typed_leaves(document, schema):
                if audience == AGENCY:  # a fresh agency each time: filing has a burst limit
                    headers = world.agency().headers
                elif audience == RESIDENT:
                    headers = resident.headers
                else:
                    headers = world.operator if audience == OPERATOR else world.auditor
                answer = world.client.request(
                    method, url, headers=headers, json=_nested(field, WRONG[kind])
                )
                assert answer.status_code == 422, (method, url, answer.text)
                named = {e["field"]: e["reason"] for e in answer.json()["errors"]}
                checked.append((method.upper(), path, ".".join(field)))
                if not named.get(".".join(field), "").endswith(", not a string"):
                    converted.append((method.upper(), path, ".".join(field), named))
    assert not converted, converted
    # The bodies this sweep must have found: a schema read wrongly would check nothing.
    assert ("POST", "/operator/agencies", "federal") in checked
    assert ("POST", "/portal/requests", "area.radius_m") in checked
    assert ("PUT", "/me/settings", "opted_out") in checked
    assert len(checked) >= 20, checked


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_documented_body_is_a_strict_body(world: World) -> None:
    """A body model outside Body would be lax again: every body the API documents is one."""
    document = world.app.openapi()
    documented = {
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/")[-1]
        for operations in document["paths"].values()
        for operation in operations.values()
        if "requestBody" in operation
    }
    strict = {model.__name__ for model in _subclasses(Body)}
    assert Body.model_config.get("strict") is True
    assert documented and documented <= strict, documented - strict
