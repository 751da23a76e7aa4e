"""Every list the API answers has one shape, `{data, count}`, paged with `limit` and `offset`
(`count` the total); the audit log's own `GET /audit/entries` pages by sequence number instead."""

from __future__ import annotations

from typing import Any

from tests.factories import World
from tests.security.test_abuse_limits import _resolve, list_routes


def test_every_paged_list_answers_data_and_count(world: World) -> None:
    """GET /operator/agencies answered a bare JSON array where every other list answered
    `{data, count}`: a client could not learn the total, nor read both kinds alike."""
    openapi = world.app.openapi()
    bare = []
    for path, operation in list_routes(openapi):
        if path == "/portal/map":  # the map's cells: an object of its own, `cells` capped
            continue
        content = operation["responses"]["200"]["content"]["application/json"]
        schema: dict[str, Any] = _resolve(openapi, content["schema"])
        if schema.get("type") != "object" or not {"data", "count"} <= set(schema["properties"]):
            bare.append(path)
    assert not bare, f"lists without the {{data, count}} envelope: {bare}"


def test_the_agencies_list_is_paged_with_its_total(world: World) -> None:
    for i in range(3):
        world.agency(name=f"Agency {i}")
    first = world.ok("GET", "/operator/agencies?limit=2", world.operator)
    rest = world.ok("GET", "/operator/agencies?limit=2&offset=2", world.operator)
    assert first["count"] == rest["count"] == 3
    assert len(first["data"]) == 2 and len(rest["data"]) == 1
    assert {a["id"] for a in first["data"]}.isdisjoint({a["id"] for a in rest["data"]})
    assert {a["name"] for a in first["data"] + rest["data"]} == {f"Agency {i}" for i in range(3)}
