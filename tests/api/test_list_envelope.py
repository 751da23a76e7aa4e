"""Every list the API answers has one shape, `{data, count}`, paged with `limit` and `offset`
(`count` the total); the audit log's own `GET /audit/entries` pages by sequence number instead."""

from __future__ import annotations

from typing import Any

from app.limits import MAX_OFFSET
from tests.api.test_refusals import refused
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


def test_every_offset_is_capped_alike(world: World) -> None:
    """GET /portal/requests read its own `offset` with no upper bound, where every other list
    refuses one past MAX_OFFSET (app/limits.py)."""
    openapi = world.app.openapi()
    uncapped = []
    for path, operation in list_routes(openapi):
        params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        if "offset" in params and params["offset"]["schema"].get("maximum") != MAX_OFFSET:
            uncapped.append(path)
    assert not uncapped, f"offsets not capped at MAX_OFFSET: {uncapped}"


def test_an_agency_asking_past_the_offset_cap_is_refused(world: World) -> None:
    agency = world.agency()
    world.file(agency)
    page = world.ok("GET", f"/portal/requests?offset={MAX_OFFSET}", agency.headers)
    assert page == {"data": [], "count": 1}
    body = refused(
        world,
        "GET",
        f"/portal/requests?offset={MAX_OFFSET + 1}",
        agency.headers,
        422,
        "validation_error",
    )
    assert body["errors"][0]["field"] == "offset"
    assert "less than or equal to 10000000" in body["detail"]
