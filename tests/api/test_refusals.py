"""Bad input and broken rules: a clear 4xx with `detail` and `code`, and nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from tests.factories import CITY, World, iso


def state_changes(world: World) -> int:
    return world.state_changes()


def refused(
    world: World, method: str, url: str, headers: dict[str, str], status: int, code: str, **kw: Any
) -> dict[str, Any]:
    before = state_changes(world)
    response = world.client.request(method, url, headers=headers, **kw)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    assert state_changes(world) == before, "a refused call left a state-change entry"
    return body


def test_agency_without_partnership_is_refused(world: World) -> None:
    agency = world.agency(partnered=False)
    for method, url in (("GET", "/portal/map"), ("GET", "/portal/requests")):
        refused(world, method, url, agency.headers, 403, "partnership_inactive")
    refused(
        world,
        "POST",
        "/portal/requests",
        agency.headers,
        403,
        "partnership_inactive",
        json=world.request_body(),
    )


def test_ended_partnership_closes_the_portal(world: World) -> None:
    agency = world.agency()
    world.file(agency)
    world.ok(
        "PUT",
        f"/operator/agencies/{agency.id}/partnership",
        world.operator,
        json={
            "status": "active",
            "starts_at": iso(world.clock.now() - timedelta(days=1)),
            "ends_at": iso(world.clock.now() + timedelta(hours=1)),
        },
    )
    world.clock.advance(timedelta(hours=2))
    refused(world, "GET", "/portal/requests", agency.headers, 403, "partnership_inactive")
    refused(
        world,
        "POST",
        "/portal/requests",
        agency.headers,
        403,
        "partnership_inactive",
        json=world.request_body(),
    )


def test_ended_partnership_cannot_be_revived(world: World) -> None:
    agency = world.agency()
    world.ok(
        "PUT",
        f"/operator/agencies/{agency.id}/partnership",
        world.operator,
        json={"status": "ended"},
    )
    refused(
        world,
        "PUT",
        f"/operator/agencies/{agency.id}/partnership",
        world.operator,
        409,
        "illegal_transition",
        json={"status": "active"},
    )


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"radius_m": 1000}, "area_out_of_bounds"),  # 1.21 sq mi > 0.5
        ({"radius_m": 50}, "area_out_of_bounds"),  # 0.003 sq mi < 0.025
        ({"hours": 13}, "window_out_of_bounds"),
        ({"hours": 0.1}, "window_out_of_bounds"),
        ({"incident_type": "lawful_protest"}, "incident_type_refused"),
        ({"case": ""}, "case_number_required"),
    ],
)
def test_policy_limits_refuse_requests(world: World, overrides: dict[str, Any], code: str) -> None:
    agency = world.agency()
    body = world.request_body(**overrides)
    if overrides.get("case") == "":
        body["case_number"] = ""
    answer = refused(world, "POST", "/portal/requests", agency.headers, 422, code, json=body)
    assert answer["rules"]


def test_window_must_be_recent_and_past(world: World) -> None:
    agency = world.agency()
    old = world.request_body(start=world.clock.now() - timedelta(days=46))
    refused(world, "POST", "/portal/requests", agency.headers, 422, "window_too_old", json=old)
    future = world.request_body(start=world.clock.now() - timedelta(minutes=30))
    refused(world, "POST", "/portal/requests", agency.headers, 422, "window_in_future", json=future)


def test_at_most_two_requests_per_investigation(world: World) -> None:
    agency = world.agency()
    world.file(agency, case="CASE-7")
    world.file(agency, case="CASE-7")
    refused(
        world,
        "POST",
        "/portal/requests",
        agency.headers,
        422,
        "investigation_limit",
        json=world.request_body(case="CASE-7"),
    )


def test_malformed_input_names_the_field(world: World) -> None:
    agency = world.agency()
    body = world.request_body()
    body["area"]["center_lat"] = 123
    answer = refused(
        world, "POST", "/portal/requests", agency.headers, 422, "validation_error", json=body
    )
    assert answer["errors"][0]["field"] == "area.center_lat"
    assert answer["detail"].startswith("area.center_lat:")
    body = world.request_body()
    body["status"] = "open"  # no client sets a status
    answer = refused(
        world, "POST", "/portal/requests", agency.headers, 422, "validation_error", json=body
    )
    assert answer["errors"][0]["field"] == "status"
    naive = world.request_body()
    naive["window"]["start"] = "2026-11-30T08:00:00"
    refused(world, "POST", "/portal/requests", agency.headers, 422, "validation_error", json=naive)


def test_sharing_a_clip_out_of_scope_writes_nothing(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    neighbour = world.resident(north_m=30, name="Neighbour")
    far = world.resident(north_m=2000, name="Far")
    late = world.resident(clip_start=world.clock.now() - timedelta(hours=1), name="Late")
    request = world.file(agency)
    for clip in (neighbour.clips[0], far.clips[0], late.clips[0], uuid4()):
        refused(
            world,
            "POST",
            f"/me/requests/{request['id']}/share",
            dana.headers,
            422,
            "clip_not_in_scope",
            json={"clip_ids": [str(dana.clips[0]), str(clip)]},
        )
    assert world.ok("GET", "/me/consents", dana.headers)["count"] == 0
    assert world.ok("GET", "/audit/releases", world.auditor)["count"] == 0
    inbox = world.ok("GET", "/me/requests", dana.headers)["data"][0]
    assert inbox["response"] == "pending"


def test_share_needs_distinct_clips(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    refused(
        world,
        "POST",
        f"/me/requests/{request['id']}/share",
        dana.headers,
        422,
        "duplicate_clip",
        json={"clip_ids": [str(dana.clips[0])] * 2},
    )
    refused(
        world,
        "POST",
        f"/me/requests/{request['id']}/share",
        dana.headers,
        422,
        "validation_error",
        json={"clip_ids": []},
    )


def test_unknown_ids_and_routes(world: World) -> None:
    dana = world.resident()
    refused(
        world, "POST", f"/me/consents/{uuid4()}/withdraw", dana.headers, 404, "consent_not_found"
    )
    refused(world, "GET", "/me/requests/not-a-uuid", dana.headers, 422, "validation_error")
    refused(world, "GET", "/nowhere", dana.headers, 404, "route_not_found")
    refused(
        world,
        "POST",
        f"/operator/residents/{uuid4()}/cameras",
        world.operator,
        404,
        "resident_not_found",
        json={"lat": 40, "lng": -75},
    )


def test_authentication_and_roles(world: World) -> None:
    agency = world.agency()
    refused(world, "GET", "/portal/map", {}, 401, "not_authenticated")
    refused(world, "GET", "/portal/map", {"Authorization": "Bearer x.y.z"}, 401, "invalid_token")
    refused(world, "GET", "/audit/entries", agency.headers, 403, "wrong_role")
    refused(world, "POST", "/operator/agencies", agency.headers, 403, "wrong_role", json={})


def test_oversized_body_is_refused(world: World) -> None:
    agency = world.agency()
    body = world.request_body()
    body["description"] = "x" * 70_000
    refused(world, "POST", "/portal/requests", agency.headers, 413, "body_too_large", json=body)


def test_operator_mints_tokens_for_existing_subjects(world: World) -> None:
    agency = world.agency()
    minted = world.ok(
        "POST",
        "/operator/tokens",
        world.operator,
        json={"role": "agency", "subject": str(agency.id), "name": "Sgt. Ray"},
    )
    headers = {"Authorization": f"Bearer {minted['token']}"}
    assert world.ok("GET", "/portal/requests", headers)["count"] == 0
    refused(
        world,
        "POST",
        "/operator/tokens",
        world.operator,
        404,
        "agency_not_found",
        json={"role": "agency", "subject": str(uuid4())},
    )
    refused(
        world,
        "POST",
        "/operator/tokens",
        world.operator,
        422,
        "subject_required",
        json={"role": "resident"},
    )
    refused(
        world,
        "POST",
        "/operator/tokens",
        agency.headers,
        403,
        "wrong_role",
        json={"role": "operator"},
    )


def north_of_city(metres: float) -> float:
    return CITY[0] + metres / 111_320


def test_a_request_outside_the_jurisdiction_is_refused(world: World) -> None:
    """The agency's jurisdiction is a 3,000 m circle: a circle of 200 m whose centre lies
    3,300 m away misses it by about 100 m, and would notify another town's residents."""
    agency = world.agency()
    world.resident(north_m=3300)
    far = world.request_body(radius_m=200, lat=north_of_city(3300))
    body = refused(
        world,
        "POST",
        "/portal/requests",
        agency.headers,
        422,
        "area_outside_jurisdiction",
        json=far,
    )
    assert "outside this agency's jurisdiction" in body["detail"]
    # Reaching 50 m into the jurisdiction is enough: an incident at its edge may ask nearby.
    edge = world.request_body(radius_m=200, lat=north_of_city(3150))
    filed = world.client.post("/portal/requests", json=edge, headers=agency.headers)
    assert filed.status_code == 201, filed.text
