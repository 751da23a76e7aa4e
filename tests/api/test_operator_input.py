"""Bad input on the operator's routes: the body is named as the body, in words a person can act
on, with a stable code, and nothing is written (found by the operator QA pass)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.test_refusals import refused
from tests.factories import World

AGENCY = (
    b'{"name": "Dup PD", "jurisdiction": "Dupville", "center_lat": 40, "center_lng": -75, '
    b'"radius_m": 5000}'
)


def _post(
    world: World, content: bytes, content_type: str | None, code: str = "validation_error"
) -> dict[str, Any]:
    headers = dict(world.operator)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return refused(world, "POST", "/operator/agencies", headers, 422, code, content=content)


@pytest.mark.parametrize(
    ("content", "where"),
    [(b'{"name": "x",', 13), (b"hello", 0)],
    ids=["cut-short", "plain-text"],
)
def test_a_body_that_is_not_json_is_named_the_body(
    world: World, content: bytes, where: int
) -> None:
    # FastAPI's own error puts the decoder's offset where the field goes: field "13", "0".
    answer = _post(world, content, "application/json")
    assert [e["field"] for e in answer["errors"]] == ["body"]
    assert answer["detail"].startswith("body: not valid JSON (")
    assert answer["detail"].endswith(f" at character {where})")


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain"])
def test_json_without_a_json_content_type_says_so(world: World, content_type: str | None) -> None:
    # `curl -d` without -H 'Content-Type: application/json': the body is never parsed.
    answer = _post(world, AGENCY, content_type)
    assert answer["errors"][0]["field"] == "body"
    assert "Content-Type: application/json" in answer["detail"]


@pytest.mark.parametrize("content", [b"[1, 2]", b'"agency"', b"null"])
def test_json_that_is_not_an_object_says_so(world: World, content: bytes) -> None:
    answer = _post(world, content, "application/json")
    assert answer["detail"] == "body: must be a JSON object ({...})"


def test_field_errors_keep_their_field_names(world: World) -> None:
    body = {
        "name": "x",
        "jurisdiction": "y",
        "center_lat": 91,
        "center_lng": -75,
        "radius_m": 10,
        "colour": "red",
    }
    answer = refused(
        world, "POST", "/operator/agencies", world.operator, 422, "validation_error", json=body
    )
    assert [e["field"] for e in answer["errors"]] == ["center_lat", "colour"]


def test_an_agency_token_without_a_subject_is_refused_in_english(world: World) -> None:
    answer = refused(
        world,
        "POST",
        "/operator/tokens",
        world.operator,
        422,
        "subject_required",
        json={"role": "agency"},
    )
    assert answer["detail"] == "An agency token needs a subject id."  # was "A agency"


@pytest.mark.parametrize(
    ("field", "value"),
    [("center_lat", "NaN"), ("center_lng", "-Infinity"), ("radius_m", "Infinity")],
)
def test_nan_and_infinity_are_refused_as_such(world: World, field: str, value: str) -> None:
    # Python's JSON reader takes them; they were refused, but NaN "should be less than 90".
    # Not JSON (RFC 8259 section 6): refused as the body is read (app/strict_json.py).
    values = json.loads(AGENCY)
    values[field] = "PLACEHOLDER"
    body = json.dumps(values).replace('"PLACEHOLDER"', value).encode()
    answer = _post(world, body, "application/json", code="non_finite_number")
    assert answer["detail"].startswith(f'The JSON body holds {value} as the value of "{field}"')


def test_a_validator_reason_has_no_pydantic_label(world: World) -> None:
    agency = world.agency(partnered=False)
    answer = refused(
        world,
        "PUT",
        f"/operator/agencies/{agency.id}/partnership",
        world.operator,
        422,
        "validation_error",
        json={"status": "active", "starts_at": "2026-01-01T00:00:00"},
    )
    # It read "starts_at: Value error, must include a timezone, ...".
    assert answer["detail"] == "starts_at: must include a timezone, e.g. 2026-11-30T10:00:00Z"
