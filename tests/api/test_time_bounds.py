"""Times near the calendar's ends are refused (422 or exit 2), never a 500 or a traceback.

Near year 1 or 9999 the service's arithmetic overflowed Python's datetime: the transparency
report's default period (a year before `to`), a clip's longest span added to its start, and the
conversion to UTC on storing (0001-01-01T00:00:00+14:00 is in year 0 in UTC). Every time given
must now lie in the years 1900 to 2200 in UTC (app/clock.py, in_calendar).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from typer.testing import CliRunner

from app.cli import cli
from app.clock import SimulatedClock
from app.policies import StandardPolicy, load_policy
from app.schemas.common import AwareDatetime
from app.store.memory import MemoryStore
from app.workflow import operator
from app.workflow.context import SYSTEM, Ctx
from app.workflow.errors import InvalidInput
from tests.api.test_refusals import refused
from tests.factories import CITY, World, iso
from tests.policies.helpers import policy_with

REASON = "must lie between the years 1900 and 2200 (UTC)"
EXTREMES = {
    "year-0-in-utc": "0001-01-01T00:00:00+14:00",  # storing it overflowed
    "year-1": "0001-03-01T00:00:00Z",  # the report's default start, a year before, overflowed
    "year-9999": "9999-12-31T23:00:00Z",  # plus a clip's 12 hours overflowed
    "year-10000-in-utc": "9999-12-31T23:59:59-14:00",  # storing it overflowed
    "before-1900": "1899-12-31T23:59:59Z",
    "1899-in-utc": "1900-01-01T00:00:00+00:01",  # compared in UTC, not by the year written
    "after-2200": "2201-01-01T00:00:00Z",
}


@pytest.fixture
def policy() -> StandardPolicy:
    """With emergency disclosure, so that an exception request is filed, not refused."""
    return policy_with(emergency_disclosure=True)


# A call accepted as built, before one time in it is replaced: method, url, headers, and the
# JSON body, or the query of a GET.
Call = tuple[str, str, dict[str, str], dict[str, Any]]


def _partnership(world: World) -> Call:
    agency = world.agency(partnered=False)
    now = world.clock.now()
    body = {"status": "active", "starts_at": iso(now), "ends_at": iso(now + timedelta(days=30))}
    return "PUT", f"/operator/agencies/{agency.id}/partnership", world.operator, body


def _clip(world: World) -> Call:
    camera = world.resident(clips=0).cameras[0]
    start = world.clock.now() - timedelta(hours=3)
    body = {"starts_at": iso(start), "ends_at": iso(start + timedelta(minutes=5))}
    return "POST", f"/operator/cameras/{camera}/clips", world.operator, body


def _request(world: World) -> Call:
    return "POST", "/portal/requests", world.agency().headers, world.request_body()


def _exception_request(world: World) -> Call:
    body = world.request_body() | {"kind": "emergency", "justification": "Missing child"}
    return "POST", "/portal/exception-requests", world.agency().headers, body


def _report(world: World) -> Call:
    # The default period: a `to` alone is what overflowed, its default start a year before it.
    return "GET", "/reports/transparency", world.auditor, {}


CALLS: dict[str, Callable[[World], Call]] = {
    "partnership": _partnership,
    "clip": _clip,
    "request": _request,
    "exception-request": _exception_request,
    "report": _report,
}
FIELDS = [
    ("partnership", "starts_at"),
    ("partnership", "ends_at"),
    ("clip", "starts_at"),
    ("clip", "ends_at"),
    ("request", "window.start"),
    ("request", "window.end"),
    ("exception-request", "window.start"),
    ("exception-request", "window.end"),
    ("report", "from"),
    ("report", "to"),
]


def _send(world: World, call: Call, status: int, code: str) -> dict[str, Any]:
    method, url, headers, data = call
    where = {"params": data} if method == "GET" else {"json": data}
    return refused(world, method, url, headers, status, code, **where)


def _put(data: dict[str, Any], field: str, value: str) -> None:
    *outer, last = field.split(".")
    for name in outer:
        data = data[name]
    data[last] = value


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_call_is_accepted_as_built(world: World, name: str) -> None:
    """The control: the refusals below come from the time put in, not from the rest."""
    method, url, headers, data = CALLS[name](world)
    where = {"params": data} if method == "GET" else {"json": data}
    world.ok(method, url, headers, **where)


@pytest.mark.parametrize("extreme", EXTREMES.values(), ids=EXTREMES.keys())
@pytest.mark.parametrize(("name", "field"), FIELDS, ids=[f"{n}.{f}" for n, f in FIELDS])
def test_a_time_outside_the_years_is_refused_naming_its_field(
    world: World, name: str, field: str, extreme: str
) -> None:
    call = CALLS[name](world)
    _put(call[3], field, extreme)
    answer = _send(world, call, 422, "validation_error")
    assert answer["errors"] == [{"field": field, "reason": REASON}]


def test_a_clip_in_the_last_hour_of_year_9999_is_refused(world: World) -> None:
    """Both times given, half an hour apart: the 12-hour limit added to the start overflowed."""
    method, url, headers, _ = _clip(world)
    body = {"starts_at": "9999-12-31T23:00:00Z", "ends_at": "9999-12-31T23:30:00Z"}
    answer = refused(world, method, url, headers, 422, "validation_error", json=body)
    assert [e["field"] for e in answer["errors"]] == ["starts_at", "ends_at"]


@pytest.mark.parametrize(
    ("starts_at", "ends_at"), [("1900-01-01T00:00:00Z", "2200-12-31T23:59:59.999999Z")]
)
def test_the_years_themselves_are_accepted(world: World, starts_at: str, ends_at: str) -> None:
    agency = world.agency(partnered=False)
    body = {"status": "active", "starts_at": starts_at, "ends_at": ends_at}
    url = f"/operator/agencies/{agency.id}/partnership"
    partnership = world.ok("PUT", url, world.operator, json=body)
    assert (partnership["starts_at"], partnership["ends_at"]) == (starts_at, ends_at)
    period = {"from": starts_at, "to": ends_at}
    assert world.ok("GET", "/reports/transparency", world.auditor, params=period)["period"]
    # The default start, a year before the earliest `to`, lies before 1900: computed, not given.
    world.ok("GET", "/reports/transparency", world.auditor, params={"to": starts_at})


def test_the_report_command_refuses_a_time_outside_the_years(
    world: World, db_cli_args: list[str]
) -> None:
    base = ["report", "transparency", *db_cli_args]
    for option, extreme in (
        ("--to", "0001-03-01T00:00:00Z"),
        ("--from", "9999-12-31T23:59:59-14:00"),
    ):
        result = CliRunner().invoke(cli, [*base, option, extreme])
        assert result.exit_code == 2, result.output
        assert result.output == f"error: {option}: {extreme!r} {REASON}\n"


def test_a_clip_near_the_calendars_end_is_refused_by_the_workflow() -> None:
    """create_clip is also called without the API's bounds (simulations, verifiers): a start in
    year 9999 is a clip ending in the future, not an overflow adding 12 hours to it."""
    ctx = Ctx(
        MemoryStore(),
        SimulatedClock(datetime(2026, 1, 1, tzinfo=UTC)),
        load_policy("privacy-by-design"),
    )
    resident = operator.create_resident(ctx, SYSTEM, name="R", contact="r")
    camera = operator.create_camera(ctx, SYSTEM, resident_id=resident.id, lat=CITY[0], lng=CITY[1])
    start = datetime(9999, 12, 31, 23, tzinfo=UTC)
    with pytest.raises(InvalidInput) as refusal:
        operator.create_clip(
            ctx, SYSTEM, camera_id=camera.id, starts_at=start, ends_at=start + timedelta(minutes=30)
        )
    assert refusal.value.code == "invalid_span"


# Whole minutes: the offsets ISO 8601 writes (UTC-12:00 to UTC+14:00 in use, up to a day here).
OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timedelta(minutes=m))
# The most the service adds to or takes from a time it was given, with room to spare: a year (the
# report's default period), 12 hours (a clip), 3,650 days (the longest retention).
MARGIN = timedelta(days=36_500)


@settings(max_examples=300, deadline=None)
@given(st.datetimes(), OFFSETS)
def test_an_accepted_time_survives_the_services_arithmetic(
    naive: datetime, offset: timedelta
) -> None:
    """Any time with any offset is either refused or stays a datetime when stored as UTC and
    moved by a century either way."""
    text = naive.replace(tzinfo=timezone(offset)).isoformat()
    try:
        accepted = TypeAdapter(AwareDatetime).validate_python(text)
    except ValidationError as exc:
        assert exc.errors()[0]["msg"].endswith(REASON), exc
        return
    utc = accepted.astimezone(UTC)
    assert utc - MARGIN < utc < utc + MARGIN
