"""What schemathesis found calling the served API as a client (`make verify`, docs/security.md):
each answer a client got that the OpenAPI document did not promise, pinned as a plain test."""

from __future__ import annotations

import pytest

from app.limits import MAX_SEQ
from tests.factories import World


def assert_error(body: dict[str, object], code: str) -> None:
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]


@pytest.mark.parametrize("start", [2**31, 2**63 - 1, 2**63, 10**30])
def test_audit_entries_start_past_any_sequence_number_is_refused(world: World, start: int) -> None:
    """A `start` beyond what the database's sequence column holds (32 bits on PostgreSQL, 64 on
    SQLite) overflowed in the driver: 500, plain text. It is malformed input: 422 naming `start`."""
    response = world.client.get(f"/audit/entries?start={start}", headers=world.auditor)
    assert response.status_code == 422, response.text
    body = response.json()
    assert_error(body, "validation_error")
    assert body["errors"][0]["field"] == "start"


def test_audit_entries_start_at_the_bound_reads_an_empty_page(world: World) -> None:
    page = world.ok("GET", f"/audit/entries?start={MAX_SEQ}&limit=1000", world.auditor)
    assert page == {"data": [], "count": 0, "next_start": None}


@pytest.mark.parametrize(
    ("path", "served"),
    [
        ("/me/settings", {"GET", "PUT"}),
        ("/operator/agencies", {"GET", "POST"}),
        ("/portal/requests", {"GET", "POST"}),
        ("/portal/requests/8b8a1f4c-2a34-4a8e-9d2f-2f0c2b8f5c11", {"GET"}),
    ],
)
def test_method_not_allowed_names_every_method_the_path_serves(
    world: World, path: str, served: set[str]
) -> None:
    """A 405's `Allow` named only the first route the router matched: a client told `Allow: GET`
    for /me/settings could not learn that PUT changes the settings."""
    for method in ("DELETE", "PATCH", "OPTIONS"):
        response = world.client.request(method, path, headers=world.operator)
        assert response.status_code == 405, response.text
        assert_error(response.json(), "method_not_allowed")
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed == served


@pytest.mark.parametrize("bounds", ["from=2024&to=2025", "to=0.5", "from=1700000000"])
def test_transparency_period_as_a_number_is_refused(world: World, bounds: str) -> None:
    """A bare number was read as seconds since 1970: `?from=2024&to=2025` answered 200 with a
    report on 33 minutes of 1 January 1970 that an auditor could take for 2024's."""
    response = world.client.get(f"/reports/transparency?{bounds}", headers=world.auditor)
    assert response.status_code == 422, response.text
    body = response.json()
    assert_error(body, "validation_error")
    assert body["errors"][0]["field"] == bounds.split("=", 1)[0]
    assert "not the number" in body["detail"]


def test_transparency_period_as_dates_and_times_is_read(world: World) -> None:
    report = world.ok(
        "GET",
        "/reports/transparency?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00%2B01:00",
        world.auditor,
    )
    assert report["period"] == {
        "from": "2024-01-01T00:00:00+00:00",
        "to": "2025-01-01T00:00:00+01:00",
    }


def test_a_number_for_a_body_date_time_is_refused(world: World) -> None:
    """`"starts_at": 0` was read as seconds since 1970: the partnership started on 1 January 1970
    and the answer was 200. Each date and time in a body is refused as a number, by name."""
    agency, filer = world.agency(partnered=False), world.agency()
    resident = world.resident(clips=0)
    request = world.request_body()
    request["window"]["end"] = 1796000000.5
    calls = [
        ("PUT", f"/operator/agencies/{agency.id}/partnership", world.operator,
         {"status": "active", "starts_at": 0}, "starts_at"),
        ("POST", f"/operator/cameras/{resident.cameras[0]}/clips", world.operator,
         {"starts_at": 1796000000, "ends_at": "2026-11-30T12:00:00Z"}, "starts_at"),
        ("POST", "/portal/requests", filer.headers, request, "window.end"),
    ]  # fmt: skip
    before = world.state_changes()
    for method, url, headers, body, field in calls:
        response = world.client.request(method, url, headers=headers, json=body)
        assert response.status_code == 422, (url, response.text)
        refusal = response.json()
        assert_error(refusal, "validation_error")
        assert refusal["errors"][0]["field"] == field
        assert "not the number" in refusal["errors"][0]["reason"]
    assert world.state_changes() == before
