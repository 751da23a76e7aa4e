"""A JSON body that gives one key twice in an object is refused (422 `duplicate_key`, naming the
key), not read with the last value winning: `{"radius_m": 200, "radius_m": 5000}` was read as a
5,000 m request, and nobody reading the body, or the log, could tell which the client meant."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest

from app.access import ANYONE, api_allow_list
from app.strict_json import DuplicateKey, loads
from app.workflow.states import Role
from tests.api.test_refusals import refused
from tests.factories import World

JSON = {"Content-Type": "application/json"}


def test_every_body_route_refuses_a_repeated_key(world: World) -> None:
    allow = api_allow_list()
    paths = world.app.openapi()["paths"]
    routes = [
        (method.upper(), path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]
    assert len(routes) >= 10  # every route that takes a body, not an empty document
    for method, path in routes:
        audience = allow[f"{method} {path}"]
        role = Role.AUDITOR if audience == ANYONE else sorted(audience, key=str)[0]
        headers = world.headers(role, uuid4()) | JSON
        url = re.sub(r"\{[^}]+\}", str(uuid4()), path)
        body = refused(
            world, method, url, headers, 422, "duplicate_key", content=b'{"x": 1, "x": 2}'
        )
        assert '"x"' in body["detail"], (method, path, body)


def test_a_repeated_key_inside_a_nested_object_is_refused_and_nothing_is_filed(
    world: World,
) -> None:
    agency = world.agency()
    text = (
        world.client.build_request("POST", "/", json=world.request_body())
        .content.decode()
        .replace('"radius_m":200', '"radius_m":200,"radius_m":5000')
    )
    assert text.count('"radius_m"') == 2
    headers = agency.headers | JSON
    body = refused(world, "POST", "/portal/requests", headers, 422, "duplicate_key", content=text)
    assert body["detail"] == (
        'The JSON body gives the key "radius_m" more than once in one object; send each key once.'
    )
    assert world.ok("GET", "/portal/requests", agency.headers)["count"] == 0
    # the same body with each key once is filed
    once = text.replace(',"radius_m":5000', "")
    response = world.client.post("/portal/requests", content=once, headers=headers)
    assert response.status_code == 201, response.text


def test_the_same_key_in_two_objects_is_not_a_repeat() -> None:
    """Keys repeat across objects (each clip, area and window) as a matter of course."""
    text = b'[{"id": 1, "at": {"id": 2}}, {"id": 3}]'
    assert loads(text) == [{"id": 1, "at": {"id": 2}}, {"id": 3}]
    with pytest.raises(DuplicateKey) as raised:
        loads(b'[{"id": 1}, {"id": 2, "at": {"id": 3, "id": 4}}]')
    assert raised.value.key == "id"
