"""Shapes shared by several audiences."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

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


AwareDatetime = Annotated[datetime, BeforeValidator(date_time_text), AfterValidator(_aware)]
# Python's JSON reader accepts NaN and Infinity: refused as such, not as "less than 90".
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, description="degrees")]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, description="degrees")]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


class Body(BaseModel):
    """Request bodies refuse unknown fields: no client sets status, owner or basis."""

    model_config = ConfigDict(extra="forbid")


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
