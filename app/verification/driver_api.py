"""The machine's one interface to the system under test: the `Driver` protocol and its answers.

Two implementations drive the same actions: `ServiceDriver` (service_driver.py) calls the
workflow services directly over a store (in memory, or SQL on SQLite or PostgreSQL);
`HttpDriver` (http_driver.py) goes through the REST API. Each action answers `Outcome`
(accepted or refused, with the service's code); agency reads answer `AgencyRead`, whose `text`
is exactly what an agency received. `snapshot()` reads the stored records as they are, for the
checks to compare with the reference model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from app.clock import SimulatedClock
from app.policies.base import Policy
from app.workflow.records import (
    Agency,
    AuditEntry,
    Camera,
    Clip,
    Consent,
    FootageRequest,
    NonContentDisclosure,
    Notice,
    Partnership,
    Release,
    Resident,
)
from app.workflow.requests import RequestDraft
from app.workflow.states import PartnershipStatus, ReleaseBasis

T = TypeVar("T")

RECORD_KINDS: tuple[type[Any], ...] = (
    Agency,
    Partnership,
    Resident,
    Camera,
    Clip,
    FootageRequest,
    Notice,
    Consent,
    Release,
    NonContentDisclosure,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    value: UUID | None = None
    code: str = ""
    digest: str = ""


@dataclass(frozen=True, slots=True)
class AgencyRead:
    """What an agency received: status, parsed body, and the raw text for the leak scan."""

    ok: bool
    body: Any = None
    text: str = ""
    content: bytes = b""
    code: str = ""


@dataclass
class Snapshot:
    records: dict[type[Any], list[Any]] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)

    def of(self, kind: type[T]) -> list[T]:
        return list(self.records.get(kind, []))


class Driver(Protocol):
    policy: Policy
    clock: SimulatedClock
    # True where `AgencyRead.text` is what crossed the wire, so the I4 scan is meaningful.
    wire_level: bool
    # The HTTP edge's burst limit on filings per agency and hour (a deployment setting, not
    # the policy's); None where no edge stands in front of the services.
    filing_burst_limit: int | None

    def create_agency(
        self,
        *,
        name: str,
        lat: float,
        lng: float,
        radius_m: float,
        federal: bool = False,
        verified: bool = True,
    ) -> Outcome: ...
    def set_partnership(
        self,
        agency_id: UUID,
        status: PartnershipStatus,
        starts_at: datetime,
        *,
        promotion_duty: bool = False,
    ) -> Outcome: ...
    def create_resident(self, *, name: str, contact: str) -> Outcome: ...
    def create_camera(
        self, resident_id: UUID, *, lat: float, lng: float, encrypted: bool
    ) -> Outcome: ...
    def create_clip(
        self, camera_id: UUID, *, starts_at: datetime, ends_at: datetime
    ) -> Outcome: ...
    def set_opt_out(self, resident_id: UUID, opted_out: bool) -> Outcome: ...
    def file_request(self, agency_id: UUID, draft: RequestDraft) -> Outcome: ...
    def share(self, resident_id: UUID, request_id: UUID, clip_ids: list[UUID]) -> Outcome: ...
    def decline(self, resident_id: UUID, request_id: UUID) -> Outcome: ...
    def withdraw(self, resident_id: UUID, consent_id: UUID) -> Outcome: ...
    def close(self, agency_id: UUID, request_id: UUID) -> Outcome: ...
    # The operator's review (moderation) and its approval of an emergency or legal request.
    def approve_request(self, request_id: UUID) -> Outcome: ...
    def reject_request(self, request_id: UUID, reason: str) -> Outcome: ...
    def approve_exception(self, request_id: UUID, justification: str) -> Outcome: ...
    def run_sweeper(self) -> Outcome: ...
    def gate_attempt(
        self,
        *,
        clip_id: UUID,
        request_id: UUID,
        basis: ReleaseBasis,
        consent_id: UUID | None,
        justification: str,
    ) -> Outcome: ...
    def read_map(self, agency_id: UUID) -> AgencyRead: ...
    def read_requests(self, agency_id: UUID) -> AgencyRead: ...
    def read_request(self, agency_id: UUID, request_id: UUID) -> AgencyRead: ...
    def read_footage(self, agency_id: UUID, request_id: UUID) -> AgencyRead: ...
    def download(self, agency_id: UUID, release_id: UUID) -> AgencyRead: ...
    def snapshot(self) -> Snapshot: ...
    def close_driver(self) -> None: ...
