"""The resident's steps: the inbox, share, decline, withdraw, settings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from app.workflow import audit
from app.workflow.area import matching_clips
from app.workflow.context import Actor, Ctx
from app.workflow.errors import (
    ClipAlreadyShared,
    ClipNotInScope,
    InvalidInput,
    NotFound,
    RequestNotOpen,
)
from app.workflow.gate import release_consented
from app.workflow.records import (
    Agency,
    Camera,
    Clip,
    Consent,
    FootageRequest,
    Notice,
    Release,
    Resident,
)
from app.workflow.states import (
    ConsentStatus,
    NoticeResponse,
    RequestStatus,
    consent_transition,
    notice_transition,
)

MAX_CLIPS_PER_SHARE = 200


@dataclass(frozen=True, slots=True)
class InboxItem:
    notice: Notice
    request: FootageRequest
    agency_name: str
    status: RequestStatus
    open: bool
    clips: list[Clip]


def _resident(ctx: Ctx, resident_id: UUID) -> Resident:
    resident = ctx.store.get(Resident, resident_id)
    if resident is None:
        raise NotFound("resident")
    return resident


def _notice(ctx: Ctx, resident_id: UUID, request_id: UUID) -> Notice:
    """A request the resident was not notified of answers like one that does not exist."""
    found = ctx.store.find(Notice, request_id=request_id, resident_id=resident_id)
    if not found:
        raise NotFound("request")
    return found[0]


def inbox_item(ctx: Ctx, notice: Notice) -> InboxItem:
    request = ctx.store.get(FootageRequest, notice.request_id)
    if request is None:
        raise NotFound("request")
    agency = ctx.store.get(Agency, request.agency_id)
    cameras = ctx.store.find(Camera, resident_id=notice.resident_id)
    return InboxItem(
        notice=notice,
        request=request,
        agency_name=agency.name if agency else "",
        status=request.effective_status(ctx.clock.now()),
        open=request.is_open(ctx.clock.now()),
        clips=matching_clips(ctx, request, cameras),
    )


def inbox(ctx: Ctx, *, resident_id: UUID) -> list[InboxItem]:
    _resident(ctx, resident_id)
    notices = ctx.store.find(Notice, resident_id=resident_id)
    notices.sort(key=lambda n: (n.sent_at, str(n.id)), reverse=True)
    return [inbox_item(ctx, n) for n in notices]


def get_inbox_item(ctx: Ctx, *, resident_id: UUID, request_id: UUID) -> InboxItem:
    return inbox_item(ctx, _notice(ctx, resident_id, request_id))


def share(
    ctx: Ctx, actor: Actor, *, resident_id: UUID, request_id: UUID, clip_ids: list[UUID]
) -> tuple[Consent, list[Release]]:
    """Give a consent scoped to exactly `clip_ids`; each must be the resident's own and match."""
    if not clip_ids:
        raise InvalidInput("Choose at least one clip to share.", code="no_clips_chosen")
    if len(set(clip_ids)) != len(clip_ids):
        raise InvalidInput("A clip is listed twice.", code="duplicate_clip")
    if len(clip_ids) > MAX_CLIPS_PER_SHARE:
        raise InvalidInput(f"At most {MAX_CLIPS_PER_SHARE} clips per share.", code="too_many_clips")
    notice = _notice(ctx, resident_id, request_id)
    request = ctx.store.get(FootageRequest, request_id, for_update=True)
    if request is None:
        raise NotFound("request")
    now = ctx.clock.now()
    if not request.is_open(now):
        raise RequestNotOpen(request.effective_status(now).value)
    response = notice_transition(notice.response, NoticeResponse.SHARED)
    cameras = ctx.store.find(Camera, resident_id=resident_id)
    eligible = {c.id for c in matching_clips(ctx, request, cameras)}
    outside = [c for c in clip_ids if c not in eligible]
    if outside:
        # Another resident's clip, a clip outside the window or area, or past retention: one
        # answer for all, so a resident cannot probe which clip ids exist.
        raise ClipNotInScope(
            f"{len(outside)} of the chosen clips are not yours, or not in this request's "
            "window and area, or past retention.",
        )
    given = ctx.store.find(Consent, request_id=request_id, resident_id=resident_id)
    covered = {c for g in given if g.status is ConsentStatus.GIVEN for c in g.clip_ids}
    again = [c for c in clip_ids if c in covered]
    if again:
        raise ClipAlreadyShared(
            f"{len(again)} of the chosen clips are already shared for this request under a "
            "consent you gave; withdraw that consent to take them back.",
        )
    consent = Consent(
        id=ctx.new_id(),
        request_id=request_id,
        notice_id=notice.id,
        resident_id=resident_id,
        clip_ids=tuple(sorted(clip_ids, key=str)),
        status=ConsentStatus.GIVEN,
        given_at=now,
        release_after=ctx.policy.release_after(now),
        withdrawn_at=None,
        release_pending=True,
    )
    ctx.store.add(consent)
    ctx.store.save(replace(notice, response=response, responded_at=now))
    audit.record(
        ctx,
        actor,
        "consent.given",
        "consent",
        consent.id,
        {
            "request_id": str(request_id),
            "notice_id": str(notice.id),
            "clip_ids": [str(c) for c in consent.clip_ids],
            "release_after": consent.release_after.isoformat(),
        },
    )
    return consent, release_consented(ctx, consent)


def decline(ctx: Ctx, actor: Actor, *, resident_id: UUID, request_id: UUID) -> Notice:
    notice = _notice(ctx, resident_id, request_id)
    request = ctx.store.get(FootageRequest, request_id)
    now = ctx.clock.now()
    if request is None or not request.is_open(now):
        raise RequestNotOpen(request.effective_status(now).value if request else "gone")
    declined = replace(
        notice,
        response=notice_transition(notice.response, NoticeResponse.DECLINED),
        responded_at=now,
    )
    ctx.store.save(declined)
    audit.record(ctx, actor, "notice.declined", "notice", notice.id)
    return declined


def withdraw(ctx: Ctx, actor: Actor, *, resident_id: UUID, consent_id: UUID) -> Consent:
    """Withdraw a consent: nothing more is released; undownloaded releases are revoked if the
    policy says so."""
    consent = ctx.store.get(Consent, consent_id, for_update=True)
    if consent is None or consent.resident_id != resident_id:
        raise NotFound("consent")
    now = ctx.clock.now()
    withdrawn = replace(
        consent,
        status=consent_transition(consent.status, ConsentStatus.WITHDRAWN),
        withdrawn_at=now,
        release_pending=False,
    )
    ctx.store.save(withdrawn)
    audit.record(ctx, actor, "consent.withdrawn", "consent", consent.id)
    if ctx.policy.params.withdrawal_revokes_undownloaded:
        for release in ctx.store.find(Release, consent_id=consent_id):
            if release.downloaded_at is None and release.revoked_at is None:
                ctx.store.save(replace(release, revoked_at=now))
                audit.record(ctx, actor, "release.revoked", "release", release.id)
    return withdrawn


def consents(ctx: Ctx, *, resident_id: UUID) -> list[Consent]:
    _resident(ctx, resident_id)
    found = ctx.store.find(Consent, resident_id=resident_id)
    found.sort(key=lambda c: (c.given_at, str(c.id)), reverse=True)
    return found


def update_settings(
    ctx: Ctx,
    actor: Actor,
    *,
    resident_id: UUID,
    opted_out: bool | None,
    encrypt_by_default: bool | None,
) -> Resident:
    resident = _resident(ctx, resident_id)
    changed = replace(
        resident,
        opted_out=resident.opted_out if opted_out is None else opted_out,
        encrypt_by_default=(
            resident.encrypt_by_default if encrypt_by_default is None else encrypt_by_default
        ),
    )
    if changed != resident:
        ctx.store.save(changed)
        audit.record(
            ctx,
            actor,
            "resident.settings_changed",
            "resident",
            resident_id,
            {"opted_out": changed.opted_out, "encrypt_by_default": changed.encrypt_by_default},
        )
    return changed
