"""What an agency sends and reads.

By construction none of these models has a field for a resident's identity or contact, a
camera id, or an exact location (invariant I4). `neighbor_label` carries only what the policy
lets an agency learn on sharing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, model_validator

from app.schemas.common import AwareDatetime, Body, Latitude, Longitude, NoNul, ShortText
from app.workflow.case_numbers import case_key
from app.workflow.states import RequestKind, RequestStatus

CASE_NUMBER_MAX = 64


def _canonical_fits(value: str) -> str:
    """The 64 characters bound the case number as kept, not as typed: NFKC lengthens some
    characters (U+FDFA becomes 18, `ß` becomes `SS`), and 64 of them were stored as up to
    1,152. The canonical form is case_key's (app/workflow/case_numbers.py), applied again,
    and alike, when the request is filed."""
    key = case_key(value)
    if len(key) > CASE_NUMBER_MAX:
        raise ValueError(
            f"its canonical form (NFKC, upper case) has {len(key)} characters, "
            f"more than {CASE_NUMBER_MAX}"
        )
    return value


class MapCellForAgency(BaseModel):
    cell: str
    count: int | None = Field(description="cameras in the cell; null where suppressed below k")


class HeatCircleForAgency(BaseModel):
    center_lat: float
    center_lng: float
    radius_m: float


class PortalMapForAgency(BaseModel):
    resolution: int
    k: int
    cells: list[MapCellForAgency]
    mode: str = Field(
        default="k_anonymous", description="none, k_anonymous, noisy or heatmap (the policy's)"
    )
    period_start: datetime | None = Field(
        default=None, description="noisy mode: the same answer is given until the period ends"
    )
    epsilon: float | None = Field(default=None, description="noisy mode: privacy loss per cell")
    circles: list[HeatCircleForAgency] = Field(
        default_factory=list,
        description="heatmap mode only (the 2018 portal): a circle around every camera",
    )


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
    case_number: Annotated[
        str,
        Field(
            max_length=CASE_NUMBER_MAX,
            description="kept in canonical form (NFKC, invisible characters dropped, trimmed, "
            "upper case): `lpd-1 ` and `LPD-1` name one investigation; at most 64 characters "
            "as typed and in canonical form",
        ),
        NoNul,
        AfterValidator(_canonical_fits),
    ]
    incident_type: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z_]+$"), NoNul]
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


class ExceptionRequestCreate(RequestCreate):
    """An emergency request or a legal demand: never sent to residents; an operator decides."""

    kind: Literal["emergency", "legal"]
    justification: Annotated[
        str,
        Field(
            min_length=1,
            max_length=2000,
            description="emergency: the imminent danger; legal: the court and docket reference",
        ),
        NoNul,
    ]
    legal_process: Literal["warrant", "subpoena"] | None = Field(
        default=None, description="legal demands only: a warrant (content) or a subpoena"
    )
    nondisclosure_order: bool = Field(
        default=False, description="legal demands only: a court bars telling the resident"
    )

    @model_validator(mode="after")
    def _process_matches_kind(self) -> ExceptionRequestCreate:
        if self.kind == "legal" and self.legal_process is None:
            raise ValueError("a legal demand names its legal_process: warrant or subpoena")
        if self.kind == "emergency" and (self.legal_process or self.nondisclosure_order):
            raise ValueError("legal_process and nondisclosure_order are for legal demands")
        return self


class NonContentForAgency(BaseModel):
    """What a subpoena obtains of one clip: its times and digest, never its bytes."""

    disclosure_id: UUID
    starts_at: datetime
    ends_at: datetime
    digest: str
    disclosed_at: datetime


class NonContentListForAgency(BaseModel):
    data: list[NonContentForAgency]
    count: int
