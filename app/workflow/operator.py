"""The operator's steps: agencies, partnerships, residents, cameras, clips."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from app.workflow import audit
from app.workflow.context import Actor, Ctx
from app.workflow.errors import InvalidInput, NotFound
from app.workflow.geo import index_cell
from app.workflow.records import Agency, Camera, Clip, Partnership, Resident
from app.workflow.states import PartnershipStatus, partnership_transition

MAX_CLIP = timedelta(hours=12)


def create_agency(
    ctx: Ctx,
    actor: Actor,
    *,
    name: str,
    jurisdiction: str,
    center_lat: float,
    center_lng: float,
    radius_m: float,
    federal: bool = False,
    verified: bool = True,
) -> Agency:
    agency = Agency(
        id=ctx.new_id(),
        name=name,
        jurisdiction=jurisdiction,
        center_lat=center_lat,
        center_lng=center_lng,
        radius_m=radius_m,
        federal=federal,
        verified=verified,
        created_at=ctx.clock.now(),
    )
    ctx.store.add(agency)
    audit.record(ctx, actor, "agency.created", "agency", agency.id, {"name": name})
    return agency


def set_partnership(
    ctx: Ctx,
    actor: Actor,
    *,
    agency_id: UUID,
    status: PartnershipStatus,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    free_units: int = 0,
    promotion_duty: bool = False,
    credit_per_download: float = 0.0,
) -> Partnership:
    """Create the agency's partnership, or move it through the transition table."""
    if ctx.store.get(Agency, agency_id) is None:
        raise NotFound("agency")
    now = ctx.clock.now()
    starts = starts_at or now
    if ends_at is not None and ends_at <= starts:
        raise InvalidInput("A partnership must end after it starts.", code="invalid_dates")
    current = ctx.store.find(Partnership, agency_id=agency_id)
    if current:
        old = current[0]
        if status is not old.status:
            partnership_transition(old.status, status)
        partnership = replace(
            old,
            status=status,
            starts_at=starts_at or old.starts_at,
            ends_at=ends_at,
            free_units=free_units,
            promotion_duty=promotion_duty,
            credit_per_download=credit_per_download,
        )
        ctx.store.save(partnership)
        action = "partnership.changed"
    else:
        partnership = Partnership(
            id=ctx.new_id(),
            agency_id=agency_id,
            status=status,
            starts_at=starts,
            ends_at=ends_at,
            free_units=free_units,
            promotion_duty=promotion_duty,
            credit_per_download=credit_per_download,
            created_at=now,
        )
        ctx.store.add(partnership)
        action = "partnership.created"
    audit.record(
        ctx,
        actor,
        action,
        "partnership",
        partnership.id,
        {"agency_id": str(agency_id), "status": status.value},
    )
    return partnership


def create_resident(
    ctx: Ctx, actor: Actor, *, name: str, contact: str, encrypt_by_default: bool | None = None
) -> Resident:
    """A new resident; unless told, end-to-end encryption follows the policy's default."""
    resident = Resident(
        id=ctx.new_id(),
        name=name,
        contact=contact,
        opted_out=False,
        encrypt_by_default=(
            ctx.policy.params.encrypt_new_residents
            if encrypt_by_default is None
            else encrypt_by_default
        ),
        created_at=ctx.clock.now(),
    )
    ctx.store.add(resident)
    # The log names the resident by id only: an auditor needs no name or contact.
    audit.record(ctx, actor, "resident.created", "resident", resident.id)
    return resident


def create_camera(
    ctx: Ctx,
    actor: Actor,
    *,
    resident_id: UUID,
    lat: float,
    lng: float,
    label: str = "",
    end_to_end_encrypted: bool | None = None,
) -> Camera:
    resident = ctx.store.get(Resident, resident_id)
    if resident is None:
        raise NotFound("resident")
    camera = Camera(
        id=ctx.new_id(),
        resident_id=resident_id,
        label=label,
        lat=lat,
        lng=lng,
        cell=index_cell(lat, lng),
        end_to_end_encrypted=(
            resident.encrypt_by_default if end_to_end_encrypted is None else end_to_end_encrypted
        ),
        created_at=ctx.clock.now(),
    )
    ctx.store.add(camera)
    audit.record(
        ctx, actor, "camera.created", "camera", camera.id, {"resident_id": str(resident_id)}
    )
    return camera


def synthetic_content(
    clip_id: UUID, camera_id: UUID, starts_at: datetime, ends_at: datetime
) -> bytes:
    """Deterministic stand-in footage: a header with the times and a pseudo-random body.

    Nothing in it names the camera or the resident: the bytes reach agencies (invariant I4).
    """
    return _synthetic_bytes(str(clip_id), str(camera_id), starts_at, ends_at)


def _synthetic_bytes(
    clip_text: str, camera_text: str, starts_at: datetime, ends_at: datetime
) -> bytes:
    """synthetic_content from the two ids' text (create_clip writes both into its entry too)."""
    header = f"CGCLIP1 {starts_at.isoformat()} {ends_at.isoformat()}\n".encode()
    body = hashlib.shake_256(f"{clip_text}|{camera_text}".encode()).digest(192)
    return header + body


def create_clip(
    ctx: Ctx,
    actor: Actor,
    *,
    camera_id: UUID,
    starts_at: datetime,
    ends_at: datetime,
    content: bytes | None = None,
) -> Clip:
    camera = ctx.store.get(Camera, camera_id)
    if camera is None:
        raise NotFound("camera")
    # The span is subtracted, not added to the start: a start near year 9999 overflowed. The
    # API keeps times within app/clock.py's years; simulations and verifiers call this too.
    if not starts_at < ends_at or ends_at - starts_at > MAX_CLIP:
        raise InvalidInput("A clip must end after it starts, within 12 hours.", code="invalid_span")
    if ends_at > ctx.clock.now():
        raise InvalidInput("A clip cannot end in the future.", code="invalid_span")
    clip_id = ctx.new_id()
    # Each id's text is made once: the synthetic footage's seed and the entry both write it.
    clip_text, camera_text = str(clip_id), str(camera_id)
    data = (
        content
        if content is not None
        else _synthetic_bytes(clip_text, camera_text, starts_at, ends_at)
    )
    clip = Clip(
        id=clip_id,
        camera_id=camera_id,
        starts_at=starts_at,
        ends_at=ends_at,
        content=data,
        digest=hashlib.sha256(data).hexdigest(),
        encrypted=camera.end_to_end_encrypted,
        retained_until=ctx.policy.retained_until(ends_at),
        created_at=ctx.clock.now(),
    )
    ctx.store.add(clip)
    audit.record(
        ctx,
        actor,
        "clip.recorded",
        "clip",
        clip_text,
        {"camera_id": camera_text, "digest": clip.digest},
    )
    return clip
