"""What an agency sends and reads.

By construction none of these models has a field for a resident's identity or contact, a
camera id, or an exact location (invariant I4). `neighbor_label` carries only what the policy
lets an agency learn on sharing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from app.schemas.common import AwareDatetime, Body, Latitude, Longitude, ShortText
from app.workflow.states import RequestKind, RequestStatus


class MapCellForAgency(BaseModel):
    cell: str
    count: int | None = Field(description="cameras in the cell; null where suppressed below k")


class PortalMapForAgency(BaseModel):
    resolution: int
    k: int
    cells: list[MapCellForAgency]


class AreaIn(Body):
    center_lat: Latitude
    center_lng: Longitude
    radius_m: Annotated[float, Field(gt=0, le=20_000, description="metres")]


class WindowIn(Body):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> WindowIn:
        if self.end <= self.start:
            raise ValueError("the window must end after it starts")
        return self


class RequestCreate(Body):
    case_number: Annotated[str, Field(max_length=64)]
    incident_type: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z_]+$")]
    description: ShortText
    area: AreaIn
    window: WindowIn


class ResponseCounts(BaseModel):
    notified: int | None
    shared: int | None
    not_shared: int | None = Field(description="declined and unanswered, as one number")


class RequestForAgency(BaseModel):
    id: UUID
    case_number: str
    incident_type: str
    description: str
    kind: RequestKind
    officer: str
    center_lat: float
    center_lng: float
    radius_m: float
    window_start: datetime
    window_end: datetime
    status: RequestStatus
    filed_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    response_counts: ResponseCounts | None = Field(
        description="null where the policy tells the agency nothing; a null count is suppressed"
    )
    released_clips: int


class RequestListForAgency(BaseModel):
    data: list[RequestForAgency]
    count: int


class FootageForAgency(BaseModel):
    release_id: UUID
    starts_at: datetime
    ends_at: datetime
    digest: str
    size_bytes: int
    basis: str
    released_at: datetime
    neighbor_label: str
    download_url: str


class FootageListForAgency(BaseModel):
    data: list[FootageForAgency]
    count: int
