"""The resident: the inbox, share, decline, withdraw, settings, disclosures."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from fastapi import APIRouter, Response

from app.deps import ResidentActor, RuntimeDep
from app.idempotency import OnceDep
from app.limits import Page
from app.schemas import resident as s
from app.strict_json import StrictJsonRoute
from app.workflow import exceptions, responses
from app.workflow.context import Ctx
from app.workflow.errors import NotFound
from app.workflow.records import Consent, Resident

router = APIRouter(prefix="/me", tags=["resident"], route_class=StrictJsonRoute)


@router.get("/requests", response_model=s.InboxForResident)
def inbox(actor: ResidentActor, runtime: RuntimeDep, page: Page) -> s.InboxForResident:
    items = runtime.read(lambda ctx: responses.inbox(ctx, resident_id=actor.subject))
    return s.InboxForResident(data=[_item_out(i) for i in page.of(items)], count=len(items))


@router.get("/requests/{request_id}", response_model=s.RequestForResident)
def inbox_item(request_id: UUID, actor: ResidentActor, runtime: RuntimeDep) -> s.RequestForResident:
    item = runtime.read(
        lambda ctx: responses.get_inbox_item(ctx, resident_id=actor.subject, request_id=request_id)
    )
    return _item_out(item)


@router.post("/requests/{request_id}/share", response_model=s.ShareResult, status_code=201)
def share(
    request_id: UUID, body: s.ShareBody, actor: ResidentActor, runtime: RuntimeDep, once: OnceDep
) -> s.ShareResult | Response:
    def step(ctx: Ctx) -> s.ShareResult:
        consent, released = responses.share(
            ctx, actor, resident_id=actor.subject, request_id=request_id, clip_ids=body.clip_ids
        )
        return s.ShareResult(
            consent=_consent_out(consent), released_clip_ids=[r.clip_id for r in released]
        )

    return once.write(runtime, body, step)


@router.post("/requests/{request_id}/decline", response_model=s.RequestForResident)
def decline(request_id: UUID, actor: ResidentActor, runtime: RuntimeDep) -> s.RequestForResident:
    def step(ctx: Ctx) -> responses.InboxItem:
        notice = responses.decline(ctx, actor, resident_id=actor.subject, request_id=request_id)
        return responses.inbox_item(ctx, notice)

    return _item_out(runtime.write(step))


@router.get("/consents", response_model=s.ConsentList)
def list_consents(actor: ResidentActor, runtime: RuntimeDep, page: Page) -> s.ConsentList:
    found = runtime.read(lambda ctx: responses.consents(ctx, resident_id=actor.subject))
    return s.ConsentList(data=[_consent_out(c) for c in page.of(found)], count=len(found))


@router.post("/consents/{consent_id}/withdraw", response_model=s.ConsentForResident)
def withdraw(consent_id: UUID, actor: ResidentActor, runtime: RuntimeDep) -> s.ConsentForResident:
    consent = runtime.write(
        lambda ctx: responses.withdraw(ctx, actor, resident_id=actor.subject, consent_id=consent_id)
    )
    return _consent_out(consent)


@router.get("/settings", response_model=s.SettingsForResident)
def get_settings(actor: ResidentActor, runtime: RuntimeDep) -> s.SettingsForResident:
    resident = runtime.read(lambda ctx: ctx.store.get(Resident, actor.subject))
    return _settings_out(resident)


@router.put("/settings", response_model=s.SettingsForResident)
def put_settings(
    body: s.SettingsUpdate, actor: ResidentActor, runtime: RuntimeDep
) -> s.SettingsForResident:
    resident = runtime.write(
        lambda ctx: responses.update_settings(
            ctx, actor, resident_id=actor.subject, **body.model_dump()
        )
    )
    return _settings_out(resident)


@router.get("/disclosures", response_model=s.DisclosureList)
def disclosures(actor: ResidentActor, runtime: RuntimeDep, page: Page) -> s.DisclosureList:
    """Every disclosure of your footage, by consent or not, and whether you were told."""
    found = runtime.read(
        lambda ctx: exceptions.resident_disclosures(ctx, resident_id=actor.subject)
    )
    data = [
        s.DisclosureForResident(
            release_id=d.id,
            clip_id=d.clip.id,
            agency_name=d.agency_name,
            request_id=d.request.id,
            case_number=d.request.case_number,
            basis=d.basis,
            consent_id=d.consent_id,
            released_at=d.disclosed_at,
            downloaded_at=d.downloaded_at,
            revoked_at=d.revoked_at,
            justification=d.justification,
            content=d.content,
            resident_told_at=d.resident_told_at,
        )
        for d in page.of(found)
    ]
    return s.DisclosureList(data=data, count=len(found))


def _settings_out(resident: Resident | None) -> s.SettingsForResident:
    if resident is None:
        raise NotFound("resident")
    return s.SettingsForResident(
        opted_out=resident.opted_out, encrypt_by_default=resident.encrypt_by_default
    )


def _consent_out(consent: Consent) -> s.ConsentForResident:
    values = asdict(consent)
    values["clip_ids"] = list(consent.clip_ids)
    return s.ConsentForResident.model_validate(values)


def _item_out(item: responses.InboxItem) -> s.RequestForResident:
    r = item.request
    return s.RequestForResident(
        request_id=r.id,
        agency_name=item.agency_name,
        incident_type=r.incident_type,
        description=r.description,
        center_lat=r.center_lat,
        center_lng=r.center_lng,
        radius_m=r.radius_m,
        window_start=r.window_start,
        window_end=r.window_end,
        status=item.status,
        open=item.open,
        expires_at=r.expires_at,
        response=item.notice.response,
        notified_at=item.notice.sent_at,
        matching_clips=[s.ClipForResident.model_validate(asdict(c)) for c in item.clips],
    )
