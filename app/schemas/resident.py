"""What a resident sends and reads: only their own notices, clips, consents and disclosures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from app.schemas.common import Body, UuidText
from app.workflow.states import ConsentStatus, NoticeResponse, RequestStatus


class ClipForResident(BaseModel):
    id: UUID
    camera_id: UUID
    starts_at: datetime
    ends_at: datetime
    digest: str
    encrypted: bool
    retained_until: datetime


class RequestForResident(BaseModel):
    request_id: UUID
    agency_name: str
    incident_type: str
    description: str
    center_lat: float
    center_lng: float
    radius_m: float
    window_start: datetime
    window_end: datetime
    status: RequestStatus
    open: bool
    expires_at: datetime
    response: NoticeResponse
    notified_at: datetime
    matching_clips: list[ClipForResident]


class InboxForResident(BaseModel):
    data: list[RequestForResident]
    count: int


class ShareBody(Body):
    clip_ids: Annotated[list[UuidText], Field(min_length=1, max_length=200)]


class ConsentForResident(BaseModel):
    id: UUID
    request_id: UUID
    clip_ids: list[UUID]
    status: ConsentStatus
    given_at: datetime
    release_after: datetime
    withdrawn_at: datetime | None


class ShareResult(BaseModel):
    consent: ConsentForResident
    released_clip_ids: list[UUID]


class ConsentList(BaseModel):
    data: list[ConsentForResident]
    count: int


class SettingsUpdate(Body):
    opted_out: bool | None = None
    encrypt_by_default: bool | None = None


class SettingsForResident(BaseModel):
    opted_out: bool
    encrypt_by_default: bool


class DisclosureForResident(BaseModel):
    release_id: UUID
    clip_id: UUID
    agency_name: str
    request_id: UUID
    case_number: str
    basis: str
    consent_id: UUID | None
    released_at: datetime
    downloaded_at: datetime | None
    revoked_at: datetime | None
    justification: str
    content: bool = Field(
        default=True, description="false: non-content data only (a subpoena), no footage"
    )
    resident_told_at: datetime | None = Field(
        default=None, description="when you were told of this disclosure; null: you were not"
    )


class DisclosureList(BaseModel):
    data: list[DisclosureForResident]
    count: int
