"""The operator: agencies, partnerships, residents, cameras, clips, tokens."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Response

from app.deps import OperatorActor, RuntimeDep
from app.http_errors import ApiError
from app.idempotency import OnceDep
from app.limits import Page
from app.schemas import operator as s
from app.security import mint_token
from app.strict_json import StrictJsonRoute
from app.workflow import exceptions, moderation
from app.workflow import operator as ops
from app.workflow.context import Actor, Ctx
from app.workflow.errors import NotFound
from app.workflow.records import Agency, FootageRequest, Resident
from app.workflow.states import RequestStatus, Role
from app.workflow.tick import tick

router = APIRouter(prefix="/operator", tags=["operator"], route_class=StrictJsonRoute)


@router.post("/agencies", response_model=s.AgencyOut, status_code=201)
def create_agency(
    body: s.AgencyCreate, actor: OperatorActor, runtime: RuntimeDep, once: OnceDep
) -> s.AgencyOut | Response:
    def step(ctx: Ctx) -> s.AgencyOut:
        agency = ops.create_agency(ctx, actor, **body.model_dump())
        return s.AgencyOut.model_validate(asdict(agency))

    return once.write(runtime, body, step)


@router.get("/agencies", response_model=s.AgencyList)
def list_agencies(actor: OperatorActor, runtime: RuntimeDep, page: Page) -> s.AgencyList:
    agencies = runtime.read(lambda ctx: ctx.store.find(Agency))
    agencies.sort(key=lambda a: (a.created_at, str(a.id)))
    return s.AgencyList(
        data=[s.AgencyOut.model_validate(asdict(a)) for a in page.of(agencies)],
        count=len(agencies),
    )


@router.put("/agencies/{agency_id}/partnership", response_model=s.PartnershipOut)
def set_partnership(
    agency_id: UUID, body: s.PartnershipSet, actor: OperatorActor, runtime: RuntimeDep
) -> s.PartnershipOut:
    partnership = runtime.write(
        lambda ctx: ops.set_partnership(ctx, actor, agency_id=agency_id, **body.model_dump())
    )
    return s.PartnershipOut.model_validate(asdict(partnership))


@router.post("/residents", response_model=s.ResidentOut, status_code=201)
def create_resident(
    body: s.ResidentCreate, actor: OperatorActor, runtime: RuntimeDep, once: OnceDep
) -> s.ResidentOut | Response:
    def step(ctx: Ctx) -> s.ResidentOut:
        resident = ops.create_resident(ctx, actor, **body.model_dump())
        return s.ResidentOut.model_validate(asdict(resident))

    return once.write(runtime, body, step)


@router.post("/residents/{resident_id}/cameras", response_model=s.CameraOut, status_code=201)
def create_camera(
    resident_id: UUID,
    body: s.CameraCreate,
    actor: OperatorActor,
    runtime: RuntimeDep,
    once: OnceDep,
) -> s.CameraOut | Response:
    def step(ctx: Ctx) -> s.CameraOut:
        camera = ops.create_camera(ctx, actor, resident_id=resident_id, **body.model_dump())
        return s.CameraOut.model_validate(asdict(camera))

    return once.write(runtime, body, step)


@router.post("/cameras/{camera_id}/clips", response_model=s.ClipOut, status_code=201)
def create_clip(
    camera_id: UUID, body: s.ClipCreate, actor: OperatorActor, runtime: RuntimeDep, once: OnceDep
) -> s.ClipOut | Response:
    def step(ctx: Ctx) -> s.ClipOut:
        clip = ops.create_clip(ctx, actor, camera_id=camera_id, **body.model_dump())
        return s.ClipOut.model_validate(asdict(clip))

    return once.write(runtime, body, step)


@router.post("/tokens", response_model=s.TokenOut, status_code=201)
def create_token(body: s.TokenCreate, actor: OperatorActor, runtime: RuntimeDep) -> s.TokenOut:
    role = Role(body.role)
    subject = _token_subject(runtime, role, body.subject)
    lifetime = timedelta(minutes=body.minutes or runtime.settings.token_minutes)
    now = runtime.clock.now()
    token = mint_token(runtime.tokens, Actor(role, subject, body.name), now=now, lifetime=lifetime)
    return s.TokenOut(token=token, role=role.value, subject=subject, expires_at=now + lifetime)


def _token_subject(runtime: RuntimeDep, role: Role, subject: UUID | None) -> UUID:
    """Agency and resident tokens name an existing agency or resident."""
    if role in (Role.OPERATOR, Role.AUDITOR):
        return subject or uuid4()
    if subject is None:
        article = "An" if role is Role.AGENCY else "A"
        raise ApiError(422, "subject_required", f"{article} {role.value} token needs a subject id.")
    kind = Agency if role is Role.AGENCY else Resident
    if runtime.read(lambda ctx: ctx.store.get(kind, subject)) is None:
        raise NotFound(role.value)
    return subject


# --- review of requests, exceptions, and the clock's work (the policy library) -------------


@router.get("/requests", response_model=s.RequestListForOperator)
def list_requests(
    actor: OperatorActor,
    runtime: RuntimeDep,
    page: Page,
    status: RequestStatus | None = Query(None, description="e.g. pending_review"),
) -> s.RequestListForOperator:
    found = runtime.read(lambda ctx: moderation.list_requests(ctx, status=status))
    now = runtime.clock.now()
    return s.RequestListForOperator(
        data=[_request_out(r, now) for r in page.of(found)], count=len(found)
    )


@router.post("/requests/{request_id}/approve", response_model=s.RequestForOperator)
def approve_request(
    request_id: UUID, actor: OperatorActor, runtime: RuntimeDep
) -> s.RequestForOperator:
    approved = runtime.write(
        lambda ctx: moderation.approve_request(ctx, actor, request_id=request_id)
    )
    return _request_out(approved, runtime.clock.now())


@router.post("/requests/{request_id}/reject", response_model=s.RequestForOperator)
def reject_request(
    request_id: UUID, body: s.RequestReject, actor: OperatorActor, runtime: RuntimeDep
) -> s.RequestForOperator:
    rejected = runtime.write(
        lambda ctx: moderation.reject_request(ctx, actor, request_id=request_id, reason=body.reason)
    )
    return _request_out(rejected, runtime.clock.now())


@router.post("/requests/{request_id}/exception", response_model=s.ExceptionOutcomeOut)
def approve_exception(
    request_id: UUID, body: s.ExceptionApproval, actor: OperatorActor, runtime: RuntimeDep
) -> s.ExceptionOutcomeOut:
    outcome = runtime.write(
        lambda ctx: exceptions.approve_exception(
            ctx, actor, request_id=request_id, justification=body.justification
        )
    )
    return s.ExceptionOutcomeOut(
        request=_request_out(outcome.request, runtime.clock.now()),
        released_clip_ids=[r.clip_id for r in outcome.releases],
        non_content_clip_ids=[d.clip_id for d in outcome.non_content],
        refused=outcome.refused,
    )


@router.post("/tick", response_model=s.TickOut)
def run_tick(actor: OperatorActor, runtime: RuntimeDep) -> s.TickOut:
    """Release consents whose cooling-off has passed; mark expired requests."""
    done = runtime.write(tick)
    return s.TickOut(released=done.released, expired=done.expired)


def _request_out(r: FootageRequest, now: datetime) -> s.RequestForOperator:
    values = asdict(r)
    values["kind"] = r.kind.value
    values["status"] = r.effective_status(now).value
    return s.RequestForOperator.model_validate(values)
