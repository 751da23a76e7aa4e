"""Releases without consent: emergency disclosure and legal process (invariant I2).

An agency files an emergency or legal request (app/workflow/requests.py); it waits for the
operator. On approval, with the operator named and a justification recorded:
- an emergency request or a warrant releases the clips in the area and window, each through
  the one gate (`release_clip`), which refuses end-to-end encrypted clips: the platform has no
  key to them;
- a subpoena obtains non-content data only: each clip's times and digest, never its bytes, as
  `NonContentDisclosure` records (no Release, so no download: invariant I3).
The resident is told afterwards where the policy says so, unless a court order bars it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from app.policies.base import RequestQuestion, resident_is_told
from app.workflow import audit, decisions, footage
from app.workflow.area import cameras_in_circle, matching_clips
from app.workflow.context import Actor, Ctx
from app.workflow.errors import InvalidInput, NotFound, RuleViolation
from app.workflow.gate import release_clip
from app.workflow.moderation import pending_request
from app.workflow.records import (
    Agency,
    Camera,
    Clip,
    FootageRequest,
    NonContentDisclosure,
    Release,
)
from app.workflow.requests import get_own_request, require_active_partnership
from app.workflow.states import ReleaseBasis, RequestKind, RequestStatus, request_transition


@dataclass(frozen=True, slots=True)
class ExceptionOutcome:
    request: FootageRequest
    releases: list[Release]
    non_content: list[NonContentDisclosure]
    # Clips the gate refused, by the decision's code (e.g. end_to_end_encrypted).
    refused: dict[str, int]


def approve_exception(
    ctx: Ctx, actor: Actor, *, request_id: UUID, justification: str
) -> ExceptionOutcome:
    """Approve an emergency or legal request and produce what the policy lets it obtain."""
    if not justification.strip():
        raise InvalidInput(
            "An operator approving an exception must record why.", code="justification_required"
        )
    request = pending_request(ctx, request_id)
    if request.kind is RequestKind.CONSENT:
        raise InvalidInput(
            f"A consent request is approved with POST /operator/requests/{request_id}/approve.",
            code="not_an_exception",
        )
    # The policy in force now must still declare this exception (it may have changed since the
    # filing); the answer is a logged decision either way (issue 5: exception approved).
    question = RequestQuestion(
        kind=request.kind,
        case_number=request.case_number,
        incident_type=request.incident_type,
        description=request.description,
        # float(): an SQL store hands back 160.0 where memory may hold 160; the logged bytes
        # (and so the audit hashes) must not depend on the store.
        radius_m=float(request.radius_m),
        window_start=request.window_start,
        window_end=request.window_end,
        now=ctx.clock.now(),
        requests_in_investigation=0,
        legal_process=request.legal_process,
        justification=request.justification,
    )
    decision = ctx.policy.validate_request(question)
    if not decision.allowed:
        refusal = RuleViolation(decision.reason, code=decision.code, rules=decision.rules)
        refusal.after_rollback = decisions.refusal_logger(actor, "exception", question, decision)
        raise refusal
    decisions.log_decision(
        ctx, actor, "exception", question, decision, about=("request", request.id)
    )
    approved = replace(request, approved_by=actor.label())
    ctx.store.save(approved)
    audit.record(
        ctx,
        actor,
        "request.exception_approved",
        "request",
        request.id,
        {
            "kind": request.kind.value,
            "legal_process": request.legal_process,
            "reference": request.justification,
            "operator_justification": justification,
            "nondisclosure_order": request.nondisclosure_order,
            "policy": ctx.policy.name,
            "policy_hash": ctx.policy.params.digest(),
        },
    )
    clips = _clips_in_scope(ctx, approved)
    releases: list[Release] = []
    non_content: list[NonContentDisclosure] = []
    refused: dict[str, int] = {}
    if request.kind is RequestKind.LEGAL and request.legal_process == "subpoena":
        non_content = [_disclose_non_content(ctx, actor, approved, clip) for clip in clips]
    else:
        basis = (
            ReleaseBasis.EMERGENCY if request.kind is RequestKind.EMERGENCY else ReleaseBasis.LEGAL
        )
        for clip in clips:
            release, decision = release_clip(
                ctx,
                actor,
                clip_id=clip.id,
                request_id=request.id,
                basis=basis,
                justification=request.justification,
            )
            if release is None:
                refused[decision.code] = refused.get(decision.code, 0) + 1
            else:
                releases.append(release)
    now = ctx.clock.now()
    answered = replace(
        approved,
        status=request_transition(approved.status, RequestStatus.CLOSED),
        closed_at=now,
    )
    ctx.store.save(answered)
    audit.record(
        ctx,
        actor,
        "request.closed",
        "request",
        request.id,
        {"released": len(releases), "non_content": len(non_content), "refused": refused},
    )
    return ExceptionOutcome(answered, releases, non_content, refused)


def _clips_in_scope(ctx: Ctx, request: FootageRequest) -> list[Clip]:
    cameras = cameras_in_circle(ctx, request.center_lat, request.center_lng, request.radius_m)
    clips = matching_clips(ctx, request, cameras)
    return sorted(clips, key=lambda c: (c.starts_at, str(c.id)))


def _disclose_non_content(
    ctx: Ctx, actor: Actor, request: FootageRequest, clip: Clip
) -> NonContentDisclosure:
    now = ctx.clock.now()
    told = resident_is_told(
        ctx.policy.params, ReleaseBasis.LEGAL, barred=request.nondisclosure_order
    )
    disclosure = NonContentDisclosure(
        id=ctx.new_id(),
        request_id=request.id,
        agency_id=request.agency_id,
        clip_id=clip.id,
        disclosed_at=now,
        approved_by=actor.label(),
        justification=request.justification,
        resident_told_at=now if told else None,
    )
    ctx.store.add(disclosure)
    audit.record(
        ctx,
        actor,
        "disclosure.non_content",
        "non_content_disclosure",
        disclosure.id,
        {
            "clip_id": str(clip.id),
            "request_id": str(request.id),
            "agency_id": str(request.agency_id),
            "resident_told": told,
        },
    )
    return disclosure


@dataclass(frozen=True, slots=True)
class NonContentItem:
    disclosure: NonContentDisclosure
    clip: Clip


def non_content_for_agency(ctx: Ctx, *, agency_id: UUID, request_id: UUID) -> list[NonContentItem]:
    """What a subpoena obtained: times and digests, no bytes, no camera, no resident."""
    require_active_partnership(ctx, agency_id)
    get_own_request(ctx, agency_id=agency_id, request_id=request_id)
    out = []
    for d in ctx.store.find(NonContentDisclosure, request_id=request_id):
        clip = ctx.store.get(Clip, d.clip_id)
        if clip is not None and d.agency_id == agency_id:
            out.append(NonContentItem(d, clip))
    out.sort(key=lambda i: (i.clip.starts_at, str(i.disclosure.id)))
    return out


@dataclass(frozen=True, slots=True)
class ResidentDisclosure:
    """One disclosure of a resident's footage, content or not, and whether they were told."""

    id: UUID
    clip: Clip
    request: FootageRequest
    agency_name: str
    basis: str
    content: bool
    consent_id: UUID | None
    disclosed_at: datetime
    downloaded_at: datetime | None
    revoked_at: datetime | None
    justification: str
    resident_told_at: datetime | None


def resident_disclosures(ctx: Ctx, *, resident_id: UUID) -> list[ResidentDisclosure]:
    """Everything disclosed of the resident's footage, except what a court bars telling."""
    out = [
        ResidentDisclosure(
            id=d.release.id,
            clip=d.clip,
            request=d.request,
            agency_name=d.agency_name,
            basis=d.release.basis.value,
            content=True,
            consent_id=d.release.consent_id,
            disclosed_at=d.release.released_at,
            downloaded_at=d.release.downloaded_at,
            revoked_at=d.release.revoked_at,
            justification=d.release.justification,
            resident_told_at=d.release.resident_told_at,
        )
        for d in footage.disclosures(ctx, resident_id=resident_id)
        if not d.request.nondisclosure_order
    ]
    for camera in ctx.store.find(Camera, resident_id=resident_id):
        for clip in ctx.store.find(Clip, camera_id=camera.id):
            for nc in ctx.store.find(NonContentDisclosure, clip_id=clip.id):
                request = ctx.store.get(FootageRequest, nc.request_id)
                if request is None or request.nondisclosure_order:
                    continue
                agency = ctx.store.get(Agency, nc.agency_id)
                out.append(
                    ResidentDisclosure(
                        id=nc.id,
                        clip=clip,
                        request=request,
                        agency_name=agency.name if agency else "",
                        basis=f"{ReleaseBasis.LEGAL.value}",
                        content=False,
                        consent_id=None,
                        disclosed_at=nc.disclosed_at,
                        downloaded_at=None,
                        revoked_at=None,
                        justification=nc.justification,
                        resident_told_at=nc.resident_told_at,
                    )
                )
    out.sort(key=lambda d: (d.disclosed_at, str(d.id)))
    return out


def get_request(ctx: Ctx, request_id: UUID) -> FootageRequest:
    request = ctx.store.get(FootageRequest, request_id)
    if request is None:
        raise NotFound("request")
    return request
