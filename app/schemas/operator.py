"""What the operator sends and reads. The operator runs the platform and sees everything."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from app.schemas.common import (
    AwareDatetime,
    Body,
    Latitude,
    Longitude,
    NoNul,
    ShortText,
    UuidText,
)
from app.security import MAX_TOKEN_MINUTES
from app.workflow.states import PartnershipStatus


class AgencyCreate(Body):
    name: ShortText
    jurisdiction: ShortText
    center_lat: Latitude
    center_lng: Longitude
    radius_m: Annotated[
        float,
        Field(gt=0, le=50_000, allow_inf_nan=False, description="jurisdiction radius, metres"),
    ]
    federal: bool = False
    verified: bool = True


class AgencyOut(BaseModel):
    id: UUID
    name: str
    jurisdiction: str
    center_lat: float
    center_lng: float
    radius_m: float
    federal: bool
    verified: bool
    created_at: datetime


class AgencyList(BaseModel):
    data: list[AgencyOut]
    count: int


class PartnershipSet(Body):
    # An enum arrives as its string value: parsed, not strict (see Body).
    status: Annotated[PartnershipStatus, Field(strict=False)]
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    free_units: Annotated[int, Field(ge=0, le=10_000)] = 0
    promotion_duty: bool = False
    credit_per_download: Annotated[float, Field(ge=0, le=1_000, allow_inf_nan=False)] = 0.0


class PartnershipOut(BaseModel):
    id: UUID
    agency_id: UUID
    status: PartnershipStatus
    starts_at: datetime
    ends_at: datetime | None
    free_units: int
    promotion_duty: bool
    credit_per_download: float


class ResidentCreate(Body):
    name: ShortText
    contact: ShortText
    encrypt_by_default: bool | None = Field(
        default=None, description="end-to-end encryption for new cameras; null: the policy's"
    )


class ResidentOut(BaseModel):
    id: UUID
    name: str
    contact: str
    opted_out: bool
    encrypt_by_default: bool


class CameraCreate(Body):
    lat: Latitude
    lng: Longitude
    label: Annotated[str, Field(max_length=100), NoNul] = ""
    end_to_end_encrypted: bool | None = None


class CameraOut(BaseModel):
    id: UUID
    resident_id: UUID
    label: str
    lat: float
    lng: float
    cell: str
    end_to_end_encrypted: bool


class ClipCreate(Body):
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class ClipOut(BaseModel):
    id: UUID
    camera_id: UUID
    starts_at: datetime
    ends_at: datetime
    digest: str
    encrypted: bool
    retained_until: datetime


class TokenCreate(Body):
    # No "operator": the minting limit is per operator subject, and each operator token minted
    # here had a fresh one, so a stolen token could mint operators to escape its own limit.
    # Operator tokens come from `consentgate token operator`, which needs the server.
    role: Literal["agency", "resident", "auditor"]
    subject: UuidText | None = Field(
        default=None, description="agency or resident id; a new random id for an auditor"
    )
    name: Annotated[str, Field(max_length=100), NoNul] = Field(
        default="", description="the officer's name, for agency tokens"
    )
    minutes: Annotated[int, Field(ge=1, le=MAX_TOKEN_MINUTES)] | None = None


class TokenOut(BaseModel):
    token: str
    role: str
    subject: UUID
    expires_at: datetime


class RequestForOperator(BaseModel):
    id: UUID
    agency_id: UUID
    officer: str
    case_number: str
    incident_type: str
    description: str
    kind: str
    status: str
    center_lat: float
    center_lng: float
    radius_m: float
    window_start: datetime
    window_end: datetime
    filed_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    justification: str
    legal_process: str
    nondisclosure_order: bool
    approved_by: str


class RequestListForOperator(BaseModel):
    data: list[RequestForOperator]
    count: int


class RequestReject(Body):
    reason: Annotated[str, Field(min_length=1, max_length=2000), NoNul]


class ExceptionApproval(Body):
    justification: Annotated[
        str, Field(min_length=1, max_length=2000, description="why the operator approves"), NoNul
    ]


class ExceptionOutcomeOut(BaseModel):
    request: RequestForOperator
    released_clip_ids: list[UUID]
    non_content_clip_ids: list[UUID]
    refused: dict[str, int] = Field(
        description="clips the gate refused, by code (end_to_end_encrypted: never produced)"
    )


class TickOut(BaseModel):
    released: int = Field(description="consents past their cooling-off, released now")
    expired: int = Field(description="requests past their open period, marked expired")
