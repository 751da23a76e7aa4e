"""Deliberately broken variants, injected by the teeth tests (nothing broken ships in app/).

Each function takes pytest's `monkeypatch` and breaks one thing the guarantee depends on; the
two policy classes are broken policies a researcher might write, usable with
`consentgate verify --policy tests.property.broken:SilenceIsConsent`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from app.deps import AgencyActor, RuntimeDep
from app.policies.base import (
    ConsentFacts,
    Decision,
    MapCell,
    ReleaseQuestion,
    RequestQuestion,
    StandardPolicy,
    allow,
)
from app.policies.params import PolicyParams
from app.workflow import audit, footage, gate, requests
from app.workflow.context import Actor, Ctx
from app.workflow.errors import NotFound
from app.workflow.records import Agency, Camera, FootageRequest, Release
from app.workflow.requests import require_active_partnership
from app.workflow.states import ConsentStatus, ReleaseBasis, RequestKind, RequestStatus


class SilenceIsConsent(StandardPolicy):
    """Treats a resident's silence as consent: the gate releases with no consent at all."""

    def __init__(self) -> None:
        super().__init__("silence-is-consent", PolicyParams(), "broken: silence is consent")

    def decide_release(self, q: ReleaseQuestion) -> Decision:
        if q.basis is ReleaseBasis.CONSENT and q.consent is None and not q.already_released:
            return allow("No objection was received.", "silence")
        return super().decide_release(q)


class EmergencyDisclosures(StandardPolicy):
    """Declares an emergency exception (the default policy plus `emergency_disclosure`): an
    agency files an emergency request, an operator approves it, footage leaves without
    consent. Not broken: `verify` reports it apart from violations (exit status 3)."""

    def __init__(self) -> None:
        super().__init__(
            "emergency-disclosures",
            PolicyParams(emergency_disclosure=True),
            "consent, plus emergencies",
        )


def gate_ignores_withdrawal(monkeypatch: pytest.MonkeyPatch) -> None:
    original = gate._consent_facts

    def facts(ctx: Ctx, consent: Any, request: FootageRequest) -> ConsentFacts:
        return replace(
            original(ctx, consent, request), status=ConsentStatus.GIVEN, withdrawn_at=None
        )

    monkeypatch.setattr(gate, "_consent_facts", facts)


def fan_out_ignores_opt_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        StandardPolicy, "may_notify", lambda self, *, opted_out: allow("everyone", "reach")
    )


def map_shows_small_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    def shape(self: StandardPolicy, counts: dict[str, int]) -> list[MapCell]:
        return [MapCell(cell, n) for cell, n in sorted(counts.items())]

    monkeypatch.setattr(StandardPolicy, "shape_map", shape)


def consent_after_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    def is_open(self: FootageRequest, now: datetime) -> bool:
        return self.status is RequestStatus.OPEN  # forgets the expiry instant

    monkeypatch.setattr(FootageRequest, "is_open", is_open)


def download_checks_request_not_agency(monkeypatch: pytest.MonkeyPatch) -> None:
    def download(
        ctx: Ctx, actor: Actor, *, agency_id: UUID, release_id: UUID
    ) -> footage.ReleasedClip:
        require_active_partnership(ctx, agency_id)
        release = ctx.store.get(Release, release_id)
        if release is None or not release.is_accessible(ctx.clock.now()):
            raise NotFound("release")
        if ctx.store.get(FootageRequest, release.request_id) is None:
            raise NotFound("release")
        if release.downloaded_at is None:
            release = replace(release, downloaded_at=ctx.clock.now())
            ctx.store.save(release)
            audit.record(ctx, actor, "release.downloaded", "release", release.id)
        return footage._released_clip(ctx, release)

    monkeypatch.setattr(footage, "download", download)


class LeakyFootage(BaseModel):
    """An agency schema that carries the camera's location."""

    release_id: UUID
    digest: str
    neighbor_label: str
    camera_lat: float
    camera_lng: float


class LeakyFootageList(BaseModel):
    data: list[LeakyFootage]
    count: int


def footage_schema_with_location(app: FastAPI) -> None:
    """Replace the footage list route with one whose schema carries the camera's location."""
    path = "/portal/requests/{request_id}/footage"
    router = APIRouter()

    @router.get(path, response_model=LeakyFootageList)
    def leaky(request_id: UUID, actor: AgencyActor, runtime: RuntimeDep) -> LeakyFootageList:
        def step(ctx: Ctx) -> list[LeakyFootage]:
            out = []
            for r in footage.list_released(ctx, agency_id=actor.subject, request_id=request_id):
                camera = ctx.store.get(Camera, r.clip.camera_id)
                assert camera is not None
                out.append(
                    LeakyFootage(
                        release_id=r.release.id,
                        digest=r.clip.digest,
                        neighbor_label=r.release.neighbor_label,
                        camera_lat=camera.lat,
                        camera_lng=camera.lng,
                    )
                )
            return out

        items = runtime.read(step)
        return LeakyFootageList(data=items, count=len(items))

    app.include_router(router)
    # Routes match in order: put the leaky one ahead of the real one.
    app.router.routes.insert(0, app.router.routes.pop())


class UndeclaredEmergencies(StandardPolicy):
    """Takes emergency requests and releases on them once an operator approves, but its
    parameters declare no emergency exception (`emergency_disclosure` is off): I2."""

    def __init__(self) -> None:
        super().__init__("undeclared-emergencies", PolicyParams(), "broken: silent emergencies")

    def validate_request(self, q: RequestQuestion) -> Decision:
        if q.kind is RequestKind.EMERGENCY:
            return allow("Emergencies are taken.", "emergencies")
        return super().validate_request(q)

    def decide_release(self, q: ReleaseQuestion) -> Decision:
        if q.basis is ReleaseBasis.EMERGENCY and q.request_approved_by and not q.clip_encrypted:
            in_window = q.clip_starts_at < q.window_end and q.clip_ends_at > q.window_start
            if in_window and q.clip_in_area and not q.already_released:
                return allow("An operator judged this an emergency.", "emergencies")
        return super().decide_release(q)


def notices_before_moderation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fan-out runs at filing even where the policy makes the request wait for review."""
    original = requests.file_request

    def file_request(ctx: Ctx, actor: Actor, *, agency_id: UUID, draft: Any) -> FootageRequest:
        filed = original(ctx, actor, agency_id=agency_id, draft=draft)
        if filed.status is RequestStatus.PENDING_REVIEW and filed.kind is RequestKind.CONSENT:
            requests.notify_residents(ctx, filed)
        return filed

    monkeypatch.setattr(requests, "file_request", file_request)


def federal_agencies_admitted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eligibility forgets the federal exclusion (the other rules still apply)."""
    original = requests.check_eligibility

    def check(ctx: Ctx, agency: Agency) -> None:
        original(ctx, replace(agency, federal=False))

    monkeypatch.setattr(requests, "check_eligibility", check)


def daily_rate_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-agency daily rate is never checked."""
    monkeypatch.setattr(requests, "check_rate", lambda ctx, agency_id: None)


def jurisdiction_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Filing forgets the jurisdiction: a request wholly outside the agency's area is taken."""
    monkeypatch.setattr(requests, "check_jurisdiction", lambda agency, draft: None)


def case_numbers_as_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keeps a case number as typed: `lpd-1` and `LPD-1` are two investigations, and each
    spelling brings a fresh allowance of consent requests."""
    monkeypatch.setattr(requests, "case_key", lambda case_number: case_number)
