"""Property-level isolation (OWASP API3:2023), derived from the OpenAPI document.

No client can set a property it does not own (status, consent, owner, basis): every request
body refuses unknown fields. No agency route returns a property that names a resident or a
camera: checked on the response schemas and on the bytes of every agency route's answers.
"""

from __future__ import annotations

import re
from typing import Any

from app.access import AGENCY, ALLOW_LIST, ANYONE
from app.workflow.records import Camera, Consent, Notice
from app.workflow.states import Role
from tests.factories import World
from tests.security.forgery import fill_path, operations

SMUGGLED = {
    "status": "released",
    "basis": "emergency",
    "owner_id": "00000000-0000-4000-8000-000000000000",
    "resident_id": "00000000-0000-4000-8000-000000000000",
    "agency_id": "00000000-0000-4000-8000-000000000000",
    "consent_id": "00000000-0000-4000-8000-000000000000",
    "released_at": "2026-01-01T00:00:00Z",
}
# What an agency must never read (invariant I4), as property names in its response schemas.
DENIED_PROPERTIES = {
    "resident_id",
    "resident",
    "resident_name",
    "contact",
    "email",
    "address",
    "phone",
    "camera_id",
    "camera",
    "clip_id",
    "consent_id",
    "notice_id",
    "lat",
    "lng",
    "latitude",
    "longitude",
    "opted_out",
}
NUMBER = re.compile(r"-?\d+\.\d+")


def resolve(openapi: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def objects_in(openapi: dict[str, Any], schema: dict[str, Any], seen: set[str]) -> list[dict]:
    """Every object schema reachable from `schema` (through $ref, items, anyOf, properties)."""
    ref = schema.get("$ref")
    if ref:
        if ref in seen:
            return []
        seen.add(ref)
    schema = resolve(openapi, schema)
    found = [schema] if schema.get("type") == "object" or "properties" in schema else []
    children = list(schema.get("properties", {}).values())
    children += [schema["items"]] if "items" in schema else []
    for key in ("anyOf", "oneOf", "allOf"):
        children += schema.get(key, [])
    if isinstance(schema.get("additionalProperties"), dict):
        children.append(schema["additionalProperties"])
    for child in children:
        found += objects_in(openapi, child, seen)
    return found


def body_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def test_every_request_body_forbids_unknown_fields_in_the_schema(world: World) -> None:
    openapi = world.app.openapi()
    open_bodies = []
    bodies = 0
    for method, path, operation in operations(openapi):
        schema = body_schema(operation)
        if schema is None:
            continue
        bodies += 1
        for obj in objects_in(openapi, schema, set()):
            if obj.get("additionalProperties") is not False:
                open_bodies.append(f"{method} {path}: {obj.get('title', obj)}")
    assert bodies >= 8
    assert not open_bodies, (
        f"request bodies accepting unknown fields (use schemas.common.Body): {open_bodies}"
    )


def test_smuggled_fields_are_refused_on_every_body_route(world: World) -> None:
    agency = world.agency()
    resident = world.resident()
    callers = {
        Role.OPERATOR: world.operator,
        Role.AGENCY: agency.headers,
        Role.RESIDENT: resident.headers,
        Role.AUDITOR: world.auditor,
    }
    before = world.ok("GET", "/audit/verify", world.auditor)["size"]
    for method, path, operation in operations(world.app.openapi()):
        if body_schema(operation) is None:
            continue
        audience = ALLOW_LIST[f"{method} {path}"]
        headers = {} if audience == ANYONE else callers[sorted(audience)[0]]  # type: ignore[arg-type]
        response = world.client.request(method, fill_path(path), json=SMUGGLED, headers=headers)
        assert response.status_code == 422, (method, path, response.text)
        refused = {e["field"] for e in response.json()["errors"] if "Extra inputs" in e["reason"]}
        own = set(resolve(world.app.openapi(), body_schema(operation) or {}).get("properties", {}))
        assert refused == set(SMUGGLED) - own, (method, path, refused)
    assert world.ok("GET", "/audit/verify", world.auditor)["size"] == before


def agency_operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [o for o in operations(openapi) if ALLOW_LIST.get(f"{o[0]} {o[1]}") == AGENCY]


def test_agency_response_schemas_have_no_resident_or_camera_property(world: World) -> None:
    openapi = world.app.openapi()
    leaks = []
    for method, path, operation in agency_operations(openapi):
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            for content in response.get("content", {}).values():
                for obj in objects_in(openapi, content.get("schema", {}), set()):
                    leaks += [
                        f"{method} {path} -> {obj.get('title', '?')}.{name}"
                        for name in obj.get("properties", {})
                        if name in DENIED_PROPERTIES
                    ]
    assert not leaks, f"agency-visible properties that name a resident or a camera: {leaks}"


REFUSED_BY_DEFAULT_POLICY = {"/portal/exception-requests": "exception_not_allowed"}


def test_no_agency_route_answers_with_resident_or_camera_data(world: World) -> None:
    """Calls every agency route of the OpenAPI document with real ids of a full workflow."""
    agency = world.agency()
    residents = [
        world.resident(north_m=13 * i + 4, east_m=9 * i + 2, name=f"Neighbour {i}")
        for i in range(6)
    ]
    request = world.file(agency)
    world.share(residents[0], request["id"], residents[0].clips)
    world.ok("POST", f"/me/requests/{request['id']}/decline", residents[1].headers)
    footage = world.ok("GET", f"/portal/requests/{request['id']}/footage", agency.headers)
    ids = {"request_id": request["id"], "release_id": footage["data"][0]["release_id"]}

    runtime = world.app.state.runtime
    secrets = {f"Neighbour {i}" for i in range(6)} | {
        f"neighbour.{i}@example.org" for i in range(6)
    }
    secrets |= {str(r.id) for r in residents} | {str(c) for r in residents for c in r.clips}
    for kind in (Camera, Consent, Notice):
        secrets |= {str(o.id) for o in runtime.read(lambda ctx, k=kind: ctx.store.find(k))}
    cameras = runtime.read(lambda ctx: ctx.store.find(Camera))
    coordinates = [v for c in cameras for v in (c.lat, c.lng)]

    answers: list[str] = []
    unfilled = []
    # reads first, then the writes (closing the request would end the workflow)
    ordered = sorted(agency_operations(world.app.openapi()), key=lambda o: o[0] != "GET")
    for method, path, operation in ordered:
        names = re.findall(r"{(\w+)}", path)
        if any(n not in ids for n in names):
            unfilled.append(f"{method} {path}")
            continue
        kw: dict[str, Any] = {}
        if body_schema(operation) is not None:
            kw["json"] = world.request_body() if path == "/portal/requests" else {}
        if path == "/portal/exception-requests":
            kw["json"] = {**world.request_body(), "kind": "emergency", "justification": "fire"}
        response = world.client.request(method, fill_path(path, ids), headers=agency.headers, **kw)
        if path in REFUSED_BY_DEFAULT_POLICY:
            # privacy-by-design declares no exceptions: the refusal is scanned like an answer.
            assert response.json()["code"] == REFUSED_BY_DEFAULT_POLICY[path], response.text
        else:
            assert response.status_code < 300, (method, path, response.text)
        answers.append(response.content.decode("latin-1"))
    assert not unfilled, f"teach this test the ids for these agency routes: {unfilled}"
    assert len(answers) >= 7

    text = "\n".join(answers)
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == [], f"agency answers contain resident or camera data: {leaked}"
    near = [float(n) for n in NUMBER.findall(text) for c in coordinates if abs(float(n) - c) < 1e-5]
    assert near == [], f"agency answers contain camera coordinates: {near}"
