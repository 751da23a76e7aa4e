"""The workflow's records: plain frozen dataclasses, persisted by a Store.

Field names match the SQL tables one to one so the SQL store can map them generically.
Times are timezone-aware UTC instants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from app.workflow.states import (
    ConsentStatus,
    NoticeResponse,
    PartnershipStatus,
    ReleaseBasis,
    RequestKind,
    RequestStatus,
)


@dataclass(frozen=True, slots=True)
class Agency:
    id: UUID
    name: str
    jurisdiction: str
    # The jurisdiction is modelled as a circle: the portal map covers it.
    center_lat: float
    center_lng: float
    radius_m: float
    federal: bool
    verified: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Partnership:
    id: UUID
    agency_id: UUID
    status: PartnershipStatus
    starts_at: datetime
    ends_at: datetime | None
    # Terms of the 2018 Lakeland MOU style: free camera units, a promotion duty, a credit per
    # app download; from 2020 joining was free with no promotion duty (DESIGN.md).
    free_units: int
    promotion_duty: bool
    credit_per_download: float
    created_at: datetime

    def is_active(self, now: datetime) -> bool:
        return (
            self.status is PartnershipStatus.ACTIVE
            and self.starts_at <= now
            and (self.ends_at is None or now < self.ends_at)
        )


@dataclass(frozen=True, slots=True)
class Resident:
    id: UUID
    name: str
    contact: str
    opted_out: bool
    encrypt_by_default: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Camera:
    id: UUID
    resident_id: UUID
    label: str
    lat: float
    lng: float
    # H3 cell at the index resolution, so fan-out looks cameras up by cell, not by a scan.
    cell: str
    end_to_end_encrypted: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Clip:
    id: UUID
    camera_id: UUID
    starts_at: datetime
    ends_at: datetime
    content: bytes
    digest: str
    encrypted: bool
    retained_until: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FootageRequest:
    id: UUID
    agency_id: UUID
    officer: str
    case_number: str
    incident_type: str
    description: str
    kind: RequestKind
    center_lat: float
    center_lng: float
    radius_m: float
    window_start: datetime
    window_end: datetime
    status: RequestStatus
    filed_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    policy_name: str
    # Emergency and legal requests: the reference and the operator who approved them.
    justification: str = ""
    approved_by: str = ""
    # Legal demands: "warrant" or "subpoena", and whether a court bars telling the resident.
    legal_process: str = ""
    nondisclosure_order: bool = False

    def is_open(self, now: datetime) -> bool:
        """Open means accepting consent now: status open and not past its expiry instant."""
        return self.status is RequestStatus.OPEN and now < self.expires_at

    def effective_status(self, now: datetime) -> RequestStatus:
        if self.status in (RequestStatus.OPEN, RequestStatus.PENDING_REVIEW) and (
            now >= self.expires_at
        ):
            return RequestStatus.EXPIRED
        return self.status


@dataclass(frozen=True, slots=True)
class Notice:
    id: UUID
    request_id: UUID
    resident_id: UUID
    response: NoticeResponse
    sent_at: datetime
    responded_at: datetime | None


@dataclass(frozen=True, slots=True)
class Consent:
    id: UUID
    request_id: UUID
    notice_id: UUID
    resident_id: UUID
    # The scope: exactly the clips the resident chose, nothing else.
    clip_ids: tuple[UUID, ...]
    status: ConsentStatus
    given_at: datetime
    # Releases happen no earlier than this (the policy's cooling-off delay).
    release_after: datetime
    withdrawn_at: datetime | None
    # True until the gate has run for every clip in the scope.
    release_pending: bool


@dataclass(frozen=True, slots=True)
class Release:
    id: UUID
    clip_id: UUID
    request_id: UUID
    agency_id: UUID
    basis: ReleaseBasis
    consent_id: UUID | None
    released_at: datetime
    # Per-request pseudonym or disclosed identity, as the policy allows; "" when anonymous.
    neighbor_label: str
    approved_by: str
    justification: str
    downloaded_at: datetime | None
    revoked_at: datetime | None
    # When the resident was told of this release; None: never (a policy or a court said not).
    resident_told_at: datetime | None = None

    def is_accessible(self, now: datetime) -> bool:
        return self.revoked_at is None or now < self.revoked_at


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    id: UUID
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    data: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = ""
    entry_hash: str = ""
    # RFC 9162 leaf hash (hex) of the canonical bytes: the entry's place in the Merkle log.
    leaf_hash: str = ""


@dataclass(frozen=True, slots=True)
class MapAnswer:
    """The noisy portal map's counts for one period: every agency that asks about a cell in
    that period gets the same noisy count, so asking again (or colluding) averages nothing
    away (I5). Cells are drawn the first time any agency's map covers them."""

    id: UUID
    period_start: datetime
    parameter_hash: str
    # {cell: shown count, or None where the noisy count fell below the threshold}
    cells: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NonContentDisclosure:
    """What a subpoena obtains: a clip's times and digest, never its content (I2, I3)."""

    id: UUID
    request_id: UUID
    agency_id: UUID
    clip_id: UUID
    disclosed_at: datetime
    approved_by: str
    justification: str
    resident_told_at: datetime | None


Record = (
    Agency
    | Partnership
    | Resident
    | Camera
    | Clip
    | FootageRequest
    | Notice
    | Consent
    | Release
    | MapAnswer
    | NonContentDisclosure
)
