"""Shapes shared by several audiences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a timezone, e.g. 2026-11-30T10:00:00Z")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
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
