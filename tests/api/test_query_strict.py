"""Query strings are strict (app/query_strict.py): a parameter the path does not take, or one given
twice, is a 422 naming it, where it was silently ignored (an auditor's `?form=` for `from` got a
report on the default year) or the last value kept."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote
from uuid import uuid4

import pytest

from app.access import ANYONE, api_allow_list
from app.workflow.states import Role
from tests.api.test_refusals import refused
from tests.factories import World, iso


def test_a_misspelt_report_bound_is_refused_not_ignored(world: World) -> None:
    since = iso(world.clock.now() - timedelta(days=30))
    assert world.ok("GET", f"/reports/transparency?from={since}", world.auditor)
    body = refused(
        world, "GET", f"/reports/transparency?form={since}", world.auditor, 422, "validation_error"
    )
    assert body["errors"] == [
        {"field": "form", "reason": "unknown query parameter; this path takes format, from, to"}
    ]
    assert body["detail"].startswith("form: unknown query parameter")


def test_a_parameter_given_twice_is_refused_not_overwritten(world: World) -> None:
    assert world.ok("GET", "/audit/entries?limit=2", world.auditor)["data"] is not None
    body = refused(
        world, "GET", "/audit/entries?limit=2&limit=500", world.auditor, 422, "validation_error"
    )
    assert body["errors"] == [
        {"field": "limit", "reason": "given 2 times; each query parameter is read once"}
    ]


def test_every_problem_is_named_once(world: World) -> None:
    url = "/audit/entries?x=1&start=0&x=2&limit=5&start=1&y="
    body = refused(world, "GET", url, world.auditor, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["x", "start", "y"]
    assert body["detail"].endswith("(and 2 more)")


def test_every_documented_operation_refuses_an_unknown_parameter(world: World) -> None:
    allow = api_allow_list()
    paths = world.app.openapi()["paths"]
    operations = sorted((method.upper(), path) for path, ops in paths.items() for method in ops)
    assert len(operations) > 30  # the whole API, not an empty document
    for method, path in operations:
        audience = allow[f"{method} {path}"]
        role = Role.AUDITOR if audience == ANYONE else sorted(audience, key=str)[0]
        headers = world.headers(role, uuid4())
        url = re.sub(r"\{[^}]+\}", str(uuid4()), path) + "?zz_unknown=1"
        response = world.client.request(method, url, headers=headers)
        assert response.status_code == 422, (method, path, response.text)
        assert response.json()["errors"][0]["field"] == "zz_unknown", (method, path)
        assert "422" in paths[path][method.lower()]["responses"]


@pytest.mark.parametrize("page", ["/web/", "/web/lab"])
def test_the_web_pages_keep_their_own_parameters(world: World, page: str) -> None:
    """The pages read a `done=` notice and forms' fields; the strictness is the JSON API's."""
    response = world.client.get(f"{page}?done=filed&utm_source=x")
    assert response.status_code != 422, response.text


# Python's int() and pydantic's lax integers read all of these; the API takes ASCII digits only.
LENIENT = ["1_0", "+3", " 3", "3 ", "\t3", "\uff13", "3.0", "-0", "0x10", "1e2", ""]


def _integer_parameters(world: World) -> list[tuple[str, str, str]]:
    """(path, parameter, where) for every integer parameter the OpenAPI document declares."""
    found = []
    for path, ops in world.app.openapi()["paths"].items():
        for operation in ops.values():
            for param in operation.get("parameters", []):
                schema = param["schema"]
                kinds = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
                if "integer" in kinds and param["in"] in ("query", "path"):
                    found.append((path, param["name"], param["in"]))
    return found


def test_every_integer_parameter_takes_plain_digits_only(world: World) -> None:
    """`?limit=1_0` read 10, `?limit=+3` and `?limit=%203` read 3, `?limit=3.0` read 3: a typo
    or a client's own formatting was taken for a number instead of refused."""
    allow = api_allow_list()
    params = _integer_parameters(world)
    assert {(p, n) for p, n, _ in params} >= {
        ("/operator/agencies", "limit"),
        ("/portal/requests", "offset"),
        ("/audit/entries", "start"),
        ("/audit/proofs/inclusion/{index}", "index"),
        ("/audit/proofs/consistency", "second"),
    }
    accepted, worded = [], []
    for path, name, where in params:
        audience = allow[f"GET {path}"]
        role = Role.AUDITOR if audience == ANYONE else sorted(audience, key=str)[0]
        headers = world.headers(role, uuid4())
        for text in LENIENT:
            if where == "path":
                if not text.strip():
                    continue  # an empty path segment is another route
                url, query = path.replace("{" + name + "}", quote(text)), {}
            else:
                filled = path.replace("{index}", "0")  # the one integer in a path
                url, query = re.sub(r"\{[^}]+\}", str(uuid4()), filled), {name: text}
            response = world.client.get(url, params=query, headers=headers)
            body = response.json() if response.status_code == 422 else {}
            if body.get("errors", [{}])[0].get("field") != name:
                accepted.append((path, name, text, response.status_code))
            elif body["code"] != "validation_error" or "plain digits" not in body["detail"]:
                worded.append((path, name, text, body["detail"]))
    assert not accepted, f"lenient integers read as numbers: {accepted}"
    assert not worded, f"refused in other words: {worded}"


def test_plain_digits_are_still_read(world: World) -> None:
    world.agency()
    world.agency(name="Second")
    page = world.ok("GET", "/operator/agencies?limit=01&offset=1", world.operator)
    assert len(page["data"]) == 1 and page["count"] == 2
    body = refused(
        world, "GET", "/operator/agencies?limit=501", world.operator, 422, "validation_error"
    )
    assert "less than or equal to 500" in body["detail"]  # a bound keeps pydantic's own words
