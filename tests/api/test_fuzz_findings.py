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
