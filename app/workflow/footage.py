"""Reading released footage: the agency's list and download, the resident's disclosures.

Clip content leaves the service only through `download`, and only for a release to the
downloading agency that is still accessible (invariant I3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from app.workflow import audit
from app.workflow.context import Actor, Ctx
from app.workflow.errors import NotFound
from app.workflow.records import Agency, Camera, Clip, FootageRequest, Release
from app.workflow.requests import get_own_request, require_active_partnership


@dataclass(frozen=True, slots=True)
class ReleasedClip:
    release: Release
    clip: Clip


@dataclass(frozen=True, slots=True)
class Disclosure:
    release: Release
    clip: Clip
    request: FootageRequest
    agency_name: str


def _released_clip(ctx: Ctx, release: Release) -> ReleasedClip:
    clip = ctx.store.get(Clip, release.clip_id)
    if clip is None:
        raise NotFound("clip")
    return ReleasedClip(release, clip)


def list_released(ctx: Ctx, *, agency_id: UUID, request_id: UUID) -> list[ReleasedClip]:
    require_active_partnership(ctx, agency_id)
    get_own_request(ctx, agency_id=agency_id, request_id=request_id)
    now = ctx.clock.now()
    releases = [
        r
        for r in ctx.store.find(Release, request_id=request_id)
        if r.agency_id == agency_id and r.is_accessible(now)
    ]
    releases.sort(key=lambda r: (r.released_at, str(r.id)))
    return [_released_clip(ctx, r) for r in releases]


def download(ctx: Ctx, actor: Actor, *, agency_id: UUID, release_id: UUID) -> ReleasedClip:
    """The content of one released clip; the first download is a state change and is logged."""
    require_active_partnership(ctx, agency_id)
    release = ctx.store.get(Release, release_id, for_update=True)
    now = ctx.clock.now()
    # Another agency's release, a revoked one and a guessed id all answer the same.
    if release is None or release.agency_id != agency_id or not release.is_accessible(now):
        raise NotFound("release")
    if release.downloaded_at is None:
        release = replace(release, downloaded_at=now)
        ctx.store.save(release)
        audit.record(ctx, actor, "release.downloaded", "release", release.id)
    return _released_clip(ctx, release)


def disclosures(ctx: Ctx, *, resident_id: UUID) -> list[Disclosure]:
    """Every release of the resident's footage, whatever its basis, revoked or not."""
    out = []
    for camera in ctx.store.find(Camera, resident_id=resident_id):
        for clip in ctx.store.find(Clip, camera_id=camera.id):
            for release in ctx.store.find(Release, clip_id=clip.id):
                request = ctx.store.get(FootageRequest, release.request_id)
                agency = ctx.store.get(Agency, release.agency_id)
                if request is not None:
                    out.append(Disclosure(release, clip, request, agency.name if agency else ""))
    out.sort(key=lambda d: (d.release.released_at, str(d.release.id)))
    return out


def all_releases(ctx: Ctx) -> list[Release]:
    releases = ctx.store.find(Release)
    releases.sort(key=lambda r: (r.released_at, str(r.id)))
    return releases
