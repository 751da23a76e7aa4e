"""A JSON body is UTF-8 text with finite numbers (app/strict_json.py): `NaN`, `Infinity`,
`-Infinity` and `1e999` are refused as such (422 `non_finite_number`), not as "less than or
equal to 20000"; a UTF-16 or UTF-32 body, or one with a byte order mark, is refused as a body
that is not UTF-8 always was (400 `malformed_body`), where the service used to guess its
encoding and file it."""

from __future__ import annotations

import json

import pytest

from app.audit.verifier import parse_line
from tests.api.test_refusals import refused
from tests.factories import World

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1E+400"])
def test_a_number_that_is_not_finite_is_refused_as_such(world: World, number: str) -> None:
    agency = world.agency()
    text = json.dumps(world.request_body()).replace('"radius_m": 200', f'"radius_m": {number}')
    assert number in text
    body = refused(
        world,
        "POST",
        "/portal/requests",
        agency.headers | JSON,
        422,
        "non_finite_number",
        content=text,
    )
    assert body["detail"] == (
        f'The JSON body holds {number} as the value of "radius_m", which is not a finite JSON '
        "number (RFC 8259 section 6 has no NaN or Infinity); send a finite number."
    )
    assert world.ok("GET", "/portal/requests", agency.headers)["count"] == 0


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_body_not_in_utf8_is_a_malformed_body(world: World, encoding: str) -> None:
    agency = world.agency()
    content = json.dumps(world.request_body()).encode(encoding)
    if encoding == "utf-16":  # a byte order mark alone: read as an empty UTF-16 text (422)
        content = content[:2]
    body = refused(
        world,
        "POST",
        "/portal/requests",
        agency.headers | JSON,
        400,
        "malformed_body",
        content=content,
    )
    assert "UTF-8" in body["detail"], body
    assert world.ok("GET", "/portal/requests", agency.headers)["count"] == 0
    # the same body in UTF-8 is filed
    plain = json.dumps(world.request_body()).encode()
    response = world.client.post("/portal/requests", content=plain, headers=agency.headers | JSON)
    assert response.status_code == 201, response.text


def test_a_bundle_line_with_nan_is_not_json() -> None:
    """The audit verifier reads lines with the same parser (app/audit/verifier.py)."""
    with pytest.raises(ValueError) as raised:
        parse_line(4, '{"seq": NaN}')
    assert str(raised.value) == (
        'line 5 is not JSON (NaN (the value of "seq") is not a finite JSON number)'
    )
