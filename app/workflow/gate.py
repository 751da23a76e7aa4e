"""The release gate: the one place a clip becomes available to an agency (DESIGN.md, property 1).

`release_clip` is the only code that creates a Release. It reads the clip, the request and the
consent in the caller's transaction with the consent row locked (SQLite writes run under
BEGIN IMMEDIATE; PostgreSQL takes SELECT ... FOR UPDATE), so a withdrawal cannot commit between
the decision and the write. It asks the policy, then writes the release and its audit entry.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from app.policies.base import ConsentFacts, Decision, ReleaseQuestion, resident_is_told
from app.workflow import audit, decisions
from app.workflow.area import camera_in_area
from app.workflow.context import SYSTEM, Actor, Ctx
from app.workflow.errors import NotFound
from app.workflow.records import Camera, Clip, Consent, FootageRequest, Release, Resident
from app.workflow.states import ConsentStatus, ReleaseBasis


def _consent_facts(ctx: Ctx, consent: Consent, request: FootageRequest) -> ConsentFacts:
    # The request was open at consent time if it was open then and had not yet expired;
    # consent is only ever recorded by `share`, which checks exactly that in its transaction.
    return ConsentFacts(
        resident_id=consent.resident_id,
        request_id=consent.request_id,
        clip_ids=consent.clip_ids,
        status=consent.status,
        given_at=consent.given_at,
        withdrawn_at=consent.withdrawn_at,
        release_after=consent.release_after,
        request_was_open_at_consent=consent.given_at < request.expires_at
        and (request.closed_at is None or consent.given_at < request.closed_at),
    )


def release_question(
    ctx: Ctx,
    *,
    clip: Clip,
    camera: Camera,
    request: FootageRequest,
    basis: ReleaseBasis,
    consent: Consent | None,
) -> ReleaseQuestion:
    already = bool(ctx.store.find(Release, request_id=request.id, clip_id=clip.id))
    return ReleaseQuestion(
        basis=basis,
        now=ctx.clock.now(),
        clip_id=clip.id,
        clip_owner_id=camera.resident_id,
        clip_starts_at=clip.starts_at,
        clip_ends_at=clip.ends_at,
        clip_encrypted=clip.encrypted,
        clip_retained_until=clip.retained_until,
        clip_in_area=camera_in_area(camera, request),
        request_id=request.id,
        request_kind=request.kind,
        window_start=request.window_start,
        window_end=request.window_end,
        consent=None if consent is None else _consent_facts(ctx, consent, request),
        already_released=already,
        request_approved_by=request.approved_by,
        legal_process=request.legal_process,
    )


def release_clip(
    ctx: Ctx,
    actor: Actor,
    *,
    clip_id: UUID,
    request_id: UUID,
    basis: ReleaseBasis,
    consent_id: UUID | None = None,
    justification: str = "",
) -> tuple[Release | None, Decision]:
    """Decide and, if allowed, release; returns the release (or None) and the decision."""
    consent = None
    if consent_id is not None:
        consent = ctx.store.get(Consent, consent_id, for_update=True)
        if consent is None:
            raise NotFound("consent")
    request = ctx.store.get(FootageRequest, request_id, for_update=True)
    clip = ctx.store.get(Clip, clip_id)
    if request is None or clip is None:
        raise NotFound("request" if request is None else "clip")
    camera = ctx.store.get(Camera, clip.camera_id)
    if camera is None:
        raise NotFound("camera")
    question = release_question(
        ctx, clip=clip, camera=camera, request=request, basis=basis, consent=consent
    )
    decision = ctx.policy.decide_release(question)
    if not decision.allowed:
        decisions.log_decision(ctx, actor, "release", question, decision, about=("clip", clip.id))
        return None, decision
    label = _neighbor_label(ctx, request_id=request.id, owner_id=camera.resident_id)
    # I2: the resident is told of an exception release where the policy says so, unless a
    # court order bars it; a consent release they chose themselves.
    told = resident_is_told(ctx.policy.params, basis, barred=request.nondisclosure_order)
    release = Release(
        id=ctx.new_id(),
        clip_id=clip.id,
        request_id=request.id,
        agency_id=request.agency_id,
        basis=basis,
        consent_id=consent_id,
        released_at=question.now,
        neighbor_label=label,
        approved_by="" if basis is ReleaseBasis.CONSENT else actor.label(),
        justification=justification,
        downloaded_at=None,
        revoked_at=None,
        resident_told_at=question.now if told else None,
    )
    ctx.store.add(release)
    audit.record(
        ctx,
        actor,
        "release.created",
        "release",
        release.id,
        {
            "clip_id": str(clip.id),
            "request_id": str(request.id),
            "agency_id": str(request.agency_id),
            "basis": basis.value,
            "consent_id": str(consent_id) if consent_id else None,
            "resident_told": told,
            "policy": ctx.policy.name,
            "policy_hash": ctx.policy.params.digest(),
            "decision": {"code": decision.code, "rules": list(decision.rules)},
        },
    )
    decisions.log_decision(ctx, actor, "release", question, decision, about=("release", release.id))
    return release, decision


def _neighbor_label(ctx: Ctx, *, request_id: UUID, owner_id: UUID) -> str:
    """One label per resident within a request, fresh per request so requests cannot be linked."""
    owners: dict[UUID, str] = {}
    for prior in ctx.store.find(Release, request_id=request_id):
        consent = ctx.store.get(Consent, prior.consent_id) if prior.consent_id else None
        if consent is not None:
            owners.setdefault(consent.resident_id, prior.neighbor_label)
    if owner_id in owners:
        return owners[owner_id]
    owner = ctx.store.get(Resident, owner_id)
    return ctx.policy.neighbor_label(
        ordinal=len(owners) + 1,
        name=owner.name if owner else "",
        contact=owner.contact if owner else "",
    )


def release_consented(ctx: Ctx, consent: Consent) -> list[Release]:
    """Run the gate for every clip in a consent whose cooling-off has passed."""
    # Decide on the consent as it is under the lock, not on the copy the caller read: a
    # withdrawal may have committed since, and saving the old copy would undo it.
    current = ctx.store.get(Consent, consent.id, for_update=True)
    if current is None:
        raise NotFound("consent")
    consent = current
    if consent.status is not ConsentStatus.GIVEN or ctx.clock.now() < consent.release_after:
        return []
    released = []
    for clip_id in consent.clip_ids:
        release, _ = release_clip(
            ctx,
            SYSTEM,
            clip_id=clip_id,
            request_id=consent.request_id,
            basis=ReleaseBasis.CONSENT,
            consent_id=consent.id,
        )
        if release is not None:
            released.append(release)
    ctx.store.save(replace(consent, release_pending=False))
    return released


def release_due(ctx: Ctx) -> list[Release]:
    """Release every consent whose cooling-off has passed; the server and simulations call it."""
    now = ctx.clock.now()
    out: list[Release] = []
    for consent in ctx.store.find(Consent, release_pending=True):
        if consent.release_after <= now:
            out.extend(release_consented(ctx, consent))
    return out
