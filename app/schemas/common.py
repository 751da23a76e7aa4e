"""Shapes shared by several audiences."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from app.clock import in_calendar

_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?")


def date_time_text(value: Any) -> Any:
    """Refuse a number where a date and time goes. Pydantic reads one as seconds since 1970:
    `"starts_at": 0` started a partnership in 1970 and `?from=2024` asked about 1970."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number or (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
        raise ValueError(
            f"give a date and time with a zone (e.g. 2026-01-01T00:00:00Z), not the number {value}"
        )
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a timezone, e.g. 2026-11-30T10:00:00Z")
    return value


def zoned_in_calendar(value: datetime | None) -> datetime | None:
    """in_calendar (app/clock.py) for a time that may lack its zone, where the caller refuses a
    naive time itself, with its own code (the transparency report's `naive_datetime`)."""
    if value is None or value.tzinfo is None:
        return value
    return in_calendar(value)


# JSON has no date-time or UUID type: both arrive as strings, which Body's strict mode would
# refuse (it accepts only the Python type itself), so these fields alone parse their text; a
# number is still refused for a date and time (date_time_text), and so is a time outside the
# years the service works in (in_calendar: near year 1 or 9999 storing it overflowed).
AwareDatetime = Annotated[
    datetime,
    Field(strict=False),
    BeforeValidator(date_time_text),
    AfterValidator(_aware),
    AfterValidator(in_calendar),
]
UuidText = Annotated[UUID, Field(strict=False)]
# Python's JSON reader accepts NaN and Infinity: refused as such, not as "less than 90".
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, description="degrees")]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, description="degrees")]


def _no_nul(value: str) -> str:
    # PostgreSQL's text types cannot hold U+0000: psycopg refused to send it and the request
    # ended in a 500, where SQLite stored it. Refused as input instead, alike on both backends.
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (\\u0000)")
    return value


# Every text field of a request body ends with it, after its length and pattern, so those keep
# pydantic's own words ("String should have at most 64 characters"); tests/api/test_text_fields.py
# finds the text fields in the OpenAPI document and checks that each one refuses a NUL.
NoNul = AfterValidator(_no_nul)
ShortText = Annotated[str, Field(min_length=1, max_length=200), NoNul]


class Body(BaseModel):
    """Request bodies refuse unknown fields (no client sets status, owner or basis) and wrong
    JSON types: `"yes"` for a boolean, `"500"` for a number and `1.0` for an integer are
    refused, not converted (a decision recorded in docs/architecture.md). An integer stays a
    valid number where a float is documented: JSON has one number type. Strings parsed into
    dates, UUIDs and enums are marked `strict=False` field by field (UuidText, AwareDatetime).
    The web forms, whose fields are all text, validate with `strict=False` (app/web)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorBody(BaseModel):
    detail: str
    code: str


class Health(BaseModel):
    status: str
    database: str
    policy: str


class PolicyOut(BaseModel):
    name: str
    version: str
    parameters: dict[str, object]
    parameter_hash: str
    description: str
