"""SQLModel tables, one per workflow record, with the same field names.

Enums are stored as their string values; times as naive UTC (SQLite keeps no zone) and handed
back timezone-aware by `UTCDateTime`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Dialect, Index, LargeBinary
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC)


def when(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index)


class AgencyRow(SQLModel, table=True):
    __tablename__ = "agency"
    id: UUID = Field(primary_key=True)
    name: str
    jurisdiction: str
    center_lat: float
    center_lng: float
    radius_m: float
    federal: bool
    verified: bool
    created_at: datetime = when()


class PartnershipRow(SQLModel, table=True):
    __tablename__ = "partnership"
    id: UUID = Field(primary_key=True)
    agency_id: UUID = Field(foreign_key="agency.id", index=True, unique=True)
    status: str
    starts_at: datetime = when()
    ends_at: datetime | None = when(nullable=True)
    free_units: int
    promotion_duty: bool
    credit_per_download: float
    created_at: datetime = when()


class ResidentRow(SQLModel, table=True):
    __tablename__ = "resident"
    id: UUID = Field(primary_key=True)
    name: str
    contact: str
    opted_out: bool
    encrypt_by_default: bool
    created_at: datetime = when()


# The spatial index for fan-out: cameras by H3 cell, carrying every column fan-out reads, so a
# request's cells are answered from index pages alone (an index-only scan) instead of one table
# page per camera found: at a million cameras that halved the lookup (bench/fanout.py).
CAMERA_CELL_INDEX_COLUMNS = (
    "cell",
    "lat",
    "lng",
    "id",
    "resident_id",
    "label",
    "end_to_end_encrypted",
    "created_at",
)


class CameraRow(SQLModel, table=True):
    __tablename__ = "camera"
    __table_args__ = (Index("ix_camera_cell_covering", *CAMERA_CELL_INDEX_COLUMNS),)
    id: UUID = Field(primary_key=True)
    resident_id: UUID = Field(foreign_key="resident.id", index=True)
    label: str
    lat: float
    lng: float
    cell: str  # the H3 cell at the index resolution, first column of ix_camera_cell_covering
    end_to_end_encrypted: bool
    created_at: datetime = when()


class ClipRow(SQLModel, table=True):
    __tablename__ = "clip"
    __table_args__ = (Index("ix_clip_camera_start", "camera_id", "starts_at"),)
    id: UUID = Field(primary_key=True)
    camera_id: UUID = Field(foreign_key="camera.id", index=True)
    starts_at: datetime = when()
    ends_at: datetime = when()
    content: bytes = Field(sa_type=LargeBinary)
    digest: str
    encrypted: bool
    retained_until: datetime = when()
    created_at: datetime = when()


class FootageRequestRow(SQLModel, table=True):
    __tablename__ = "footage_request"
    __table_args__ = (Index("ix_request_agency_case", "agency_id", "case_number"),)
    id: UUID = Field(primary_key=True)
    agency_id: UUID = Field(foreign_key="agency.id", index=True)
    officer: str
    case_number: str
    incident_type: str
    description: str
    kind: str
    center_lat: float
    center_lng: float
    radius_m: float
    window_start: datetime = when()
    window_end: datetime = when()
    status: str = Field(index=True)
    filed_at: datetime = when()
    expires_at: datetime = when()
    closed_at: datetime | None = when(nullable=True)
    policy_name: str
    justification: str = ""
    approved_by: str = ""
    legal_process: str = ""
    nondisclosure_order: bool = False


class NoticeRow(SQLModel, table=True):
    __tablename__ = "notice"
    __table_args__ = (
        Index("ux_notice_request_resident", "request_id", "resident_id", unique=True),
    )
    id: UUID = Field(primary_key=True)
    request_id: UUID = Field(foreign_key="footage_request.id", index=True)
    resident_id: UUID = Field(foreign_key="resident.id", index=True)
    response: str
    sent_at: datetime = when()
    responded_at: datetime | None = when(nullable=True)


class ConsentRow(SQLModel, table=True):
    __tablename__ = "consent"
    id: UUID = Field(primary_key=True)
    request_id: UUID = Field(foreign_key="footage_request.id", index=True)
    notice_id: UUID = Field(foreign_key="notice.id", index=True)  # a notice's consent history
    resident_id: UUID = Field(foreign_key="resident.id", index=True)
    clip_ids: list[str] = Field(sa_type=JSON)
    status: str
    given_at: datetime = when()
    release_after: datetime = when()
    withdrawn_at: datetime | None = when(nullable=True)
    release_pending: bool = Field(index=True)


class ReleaseRow(SQLModel, table=True):
    __tablename__ = "release"
    # At most one release of a clip per request, whatever races (checked by the database too).
    __table_args__ = (Index("ux_release_request_clip", "request_id", "clip_id", unique=True),)
    id: UUID = Field(primary_key=True)
    clip_id: UUID = Field(foreign_key="clip.id", index=True)
    request_id: UUID = Field(foreign_key="footage_request.id", index=True)
    agency_id: UUID = Field(foreign_key="agency.id", index=True)
    basis: str
    consent_id: UUID | None = Field(default=None, foreign_key="consent.id", index=True)
    released_at: datetime = when()
    neighbor_label: str
    approved_by: str
    justification: str
    downloaded_at: datetime | None = when(nullable=True)
    revoked_at: datetime | None = when(nullable=True)
    resident_told_at: datetime | None = when(nullable=True)


class AuditEntryRow(SQLModel, table=True):
    __tablename__ = "audit_entry"
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    id: UUID = Field(unique=True)
    at: datetime = when()
    actor: str
    action: str = Field(index=True)
    subject_type: str
    subject_id: str = Field(index=True)
    data: dict[str, Any] = Field(sa_type=JSON)
    prev_hash: str
    entry_hash: str
    leaf_hash: str = ""


class MapAnswerRow(SQLModel, table=True):
    __tablename__ = "map_answer"
    # One set of noisy counts per period and parameter set (invariant I5), whatever races.
    __table_args__ = (Index("ux_map_answer", "period_start", "parameter_hash", unique=True),)
    id: UUID = Field(primary_key=True)
    period_start: datetime = when()
    parameter_hash: str
    cells: dict[str, Any] = Field(sa_type=JSON)
    created_at: datetime = when()


class NonContentDisclosureRow(SQLModel, table=True):
    __tablename__ = "non_content_disclosure"
    id: UUID = Field(primary_key=True)
    request_id: UUID = Field(foreign_key="footage_request.id", index=True)
    agency_id: UUID = Field(foreign_key="agency.id", index=True)
    clip_id: UUID = Field(foreign_key="clip.id", index=True)
    disclosed_at: datetime = when()
    approved_by: str
    justification: str
    resident_told_at: datetime | None = when(nullable=True)


class AuditNodeRow(SQLModel, table=True):
    """A perfect subtree of the audit Merkle log: level 0 are leaves; see workflow/merkle.py."""

    __tablename__ = "audit_node"
    level: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    idx: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    hash: str


class IdempotencyKeyRow(SQLModel, table=True):
    """A created record's response, kept under the Idempotency-Key its caller sent
    (app/idempotency.py). Not a workflow record: the audit log never sees it."""

    __tablename__ = "idempotency_key"
    # The primary key is the unique constraint: one response per caller and key, so a retry
    # that raced the first request can never write a second record.
    scope: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    fingerprint: str
    status: int
    body: str
    created_at: datetime = when(index=True)  # the timer forgets keys past their lifetime
