"""Injected time: nothing in the workflow reads the wall clock directly (DESIGN.md, property 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

# The years a time given to the service must fall in, in UTC: request bodies, the transparency
# report's period (API and CLI) and a scenario's start. Times are stored as UTC and some have a
# year taken off (the report's default period ends at `to`); near the calendar's ends, years 1
# and 9999, either overflowed Python's datetime, a 500 or a traceback. Far beyond any footage,
# partnership or report, these bounds leave centuries for the service's arithmetic.
FIRST_YEAR, LAST_YEAR = 1900, 2200
_EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
_PAST_LAST = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)


def in_calendar(instant: datetime) -> datetime:
    """`instant` (timezone-aware), or ValueError when it falls outside FIRST_YEAR to LAST_YEAR
    in UTC. Compared, never converted: 0001-01-01T00:00:00+14:00 has no UTC value to convert to,
    and comparing aware times does not overflow."""
    if not _EARLIEST <= instant < _PAST_LAST:
        raise ValueError(f"must lie between the years {FIRST_YEAR} and {LAST_YEAR} (UTC)")
    return instant


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    """The real clock, for the served application."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that only moves when told to: scenarios and tests advance it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a simulated clock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("time does not run backwards")
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> datetime:
        instant = instant.astimezone(UTC)
        if instant < self._now:
            raise ValueError("time does not run backwards")
        self._now = instant
        return self._now
