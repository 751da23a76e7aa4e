"""The reference model: what the ground truth should be, kept by the checker, not the service.

It records what the machine did (who lives where, which clips exist, who consented to what and
when, who withdrew) and derives from the policy's published parameters what must hold. Its
geometry uses h3's own great-circle distance and cell functions, not the service's helpers, so
a bug in the service's geometry shows up as a disagreement rather than being agreed with.
"""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import h3

from app.policies.base import Policy

INDEX_RESOLUTION = 10  # the resolution cameras are indexed at (the map aggregates parents)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    return float(h3.great_circle_distance((lat1, lng1), (lat2, lng2), unit="m"))


def map_cell(lat: float, lng: float, resolution: int) -> str:
    """The map cell of a camera: the parent, at the map's resolution, of its index cell."""
    return str(h3.cell_to_parent(h3.latlng_to_cell(lat, lng, INDEX_RESOLUTION), resolution))


@dataclass
class ModelAgency:
    label: str
    id: UUID
    lat: float
    lng: float
    radius_m: float
    partnership: str | None  # None: no partnership yet; else a PartnershipStatus value
    # What the eligibility rules read: set when the operator registers the agency, and the
    # partnership's terms as last set (a partnership change restates its terms).
    verified: bool = True
    federal: bool = False
    promotion_duty: bool = False
    # When each of its accepted filings was made (any kind): the daily rate counts them.
    filings: list[datetime] = field(default_factory=list)
    # Filing attempts the HTTP edge let through (it counts them whatever the service then
    # answers): its burst limit per agency and hour applies at the wire level only.
    edge_hits: list[datetime] = field(default_factory=list)
    # Accepted consent requests per case number: the per-investigation limit counts them.
    consent_cases: dict[str, int] = field(default_factory=dict)


@dataclass
class ModelResident:
    label: str
    id: UUID
    name: str
    contact: str
    opted_out: bool = False
    cameras: list[UUID] = field(default_factory=list)


@dataclass
class ModelCamera:
    label: str
    id: UUID
    resident_id: UUID
    lat: float
    lng: float
    encrypted: bool


@dataclass
class ModelClip:
    label: str
    id: UUID
    camera_id: UUID
    starts_at: datetime
    ends_at: datetime
    retained_until: datetime
    digest: str


@dataclass
class ModelRequest:
    label: str
    id: UUID
    agency_id: UUID
    kind: str
    lat: float
    lng: float
    radius_m: float
    window_start: datetime
    window_end: datetime
    filed_at: datetime
    expires_at: datetime
    closed_at: datetime | None = None
    recipients: frozenset[UUID] = frozenset()
    opted_out_at_filing: frozenset[UUID] = frozenset()
    # resident id -> "pending" | "shared" | "declined"
    responses: dict[UUID, str] = field(default_factory=dict)
    # "review": waiting for the operator (moderation, or any emergency or legal request);
    # "open": published to residents; "rejected"; "closed" (by the agency, or answered).
    state: str = "open"
    # An operator approved this emergency or legal request (through approve_exception).
    exception_approved: bool = False
    legal_process: str = ""
    nondisclosure_order: bool = False

    def is_open(self, now: datetime) -> bool:
        return self.state == "open" and self.closed_at is None and now < self.expires_at

    def awaiting_review(self, now: datetime) -> bool:
        """Waiting for the operator and not past its expiry (a review after it is refused)."""
        return self.state == "review" and now < self.expires_at


@dataclass
class ModelConsent:
    label: str
    id: UUID
    resident_id: UUID
    request_id: UUID
    clip_ids: frozenset[UUID]
    given_at: datetime
    given_step: int
    withdrawn_step: int | None = None


@dataclass
class SeenRelease:
    label: str
    id: UUID
    first_step: int
    downloaded_step: int | None = None


class ReferenceModel:
    """Ground truth for one explored history."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.agencies: dict[UUID, ModelAgency] = {}
        self.residents: dict[UUID, ModelResident] = {}
        self.cameras: dict[UUID, ModelCamera] = {}
        self.clips: dict[UUID, ModelClip] = {}
        self.requests: dict[UUID, ModelRequest] = {}
        self.consents: dict[UUID, ModelConsent] = {}
        self.releases: dict[UUID, SeenRelease] = {}
        self.step = 0

    # --- labels, for a readable trace --------------------------------------------------
    def label(self, some_id: UUID | None) -> str:
        if some_id is None:
            return "-"
        for table in (
            self.agencies,
            self.residents,
            self.cameras,
            self.clips,
            self.requests,
            self.consents,
            self.releases,
        ):
            found = table.get(some_id)
            if found is not None:
                return str(found.label)
        return f"unknown id {str(some_id)[:8]}"

    def next_label(self, prefix: str, table: Sized) -> str:
        return f"{prefix}{len(table) + 1}"

    # --- derived truth --------------------------------------------------------------------
    def owner_of_clip(self, clip_id: UUID) -> UUID:
        return self.cameras[self.clips[clip_id].camera_id].resident_id

    def camera_in_area(self, camera: ModelCamera, request: ModelRequest) -> bool:
        return distance_m(request.lat, request.lng, camera.lat, camera.lng) <= request.radius_m

    def clips_in_scope(self, request: ModelRequest, now: datetime) -> list[ModelClip]:
        """What an approved emergency request or legal demand covers: every retained clip in
        its window and area, encrypted or not (the gate, not the scope, refuses those)."""
        return [c for c in self.clips.values() if self.clip_matches(c, request, now)]

    def clip_matches(self, clip: ModelClip, request: ModelRequest, now: datetime) -> bool:
        """In the request's window and area, and still retained."""
        camera = self.cameras[clip.camera_id]
        return (
            clip.starts_at < request.window_end
            and clip.ends_at > request.window_start
            and self.camera_in_area(camera, request)
            and now <= clip.retained_until
        )

    def expected_recipients(self, lat: float, lng: float, radius_m: float) -> set[UUID]:
        """Every resident with a camera in the area and not opted out (I6)."""
        out = set()
        for camera in self.cameras.values():
            if distance_m(lat, lng, camera.lat, camera.lng) <= radius_m:
                resident = self.residents[camera.resident_id]
                if not resident.opted_out:
                    out.add(resident.id)
        return out

    def residents_in_area(self, lat: float, lng: float, radius_m: float) -> set[UUID]:
        return {
            c.resident_id
            for c in self.cameras.values()
            if distance_m(lat, lng, c.lat, c.lng) <= radius_m
        }

    def partnered(self, agency_id: UUID) -> bool:
        agency = self.agencies.get(agency_id)
        return agency is not None and agency.partnership == "active"

    def retained_until(self, ends_at: datetime) -> datetime:
        return ends_at + timedelta(days=self.policy.params.retention_days)

    def cooling_off(self) -> timedelta:
        return timedelta(minutes=self.policy.params.cooling_off_minutes)

    def release_revoked(self, release_id: UUID, consent_id: UUID | None) -> bool:
        """Withdrawal revokes a release not yet downloaded, where the policy says so."""
        if consent_id is None or not self.policy.params.withdrawal_revokes_undownloaded:
            return False
        consent = self.consents.get(consent_id)
        seen = self.releases.get(release_id)
        if consent is None or consent.withdrawn_step is None or seen is None:
            return False
        downloaded = seen.downloaded_step
        return downloaded is None or downloaded > consent.withdrawn_step

    def map_counts(self, agency: ModelAgency) -> dict[str, int]:
        resolution = self.policy.params.map_resolution
        counts: dict[str, int] = {}
        for camera in self.cameras.values():
            if distance_m(agency.lat, agency.lng, camera.lat, camera.lng) <= agency.radius_m:
                cell = map_cell(camera.lat, camera.lng, resolution)
                counts[cell] = counts.get(cell, 0) + 1
        return counts

    def response_counts(self, request: ModelRequest) -> dict[str, int]:
        shared = sum(1 for r in request.responses.values() if r == "shared")
        notified = len(request.recipients)
        return {"notified": notified, "shared": shared, "not_shared": notified - shared}
