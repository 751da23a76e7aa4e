"""The agency's portal. Every answer is built from the agency schemas only (invariant I4)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Response

from app.deps import AgencyActor, RuntimeDep
from app.idempotency import Once, OnceDep
from app.limits import MapPage, Page, PageParams, pagination
from app.runtime import Runtime
from app.schemas import portal as s
from app.strict_json import StrictJsonRoute
from app.workflow import exceptions, footage, requests
from app.workflow.context import Actor, Ctx
from app.workflow.portal_map import map_writes, portal_map
from app.workflow.states import RequestKind

router = APIRouter(prefix="/portal", tags=["agency portal"], route_class=StrictJsonRoute)
RequestPage = Annotated[PageParams, pagination(50, 200)]
"""An agency's own requests: 50 unless asked, never more than 200."""


@router.get("/map", response_model=s.PortalMapForAgency)
def get_map(actor: AgencyActor, runtime: RuntimeDep, page: MapPage) -> s.PortalMapForAgency:
    # The noisy map stores the noise it draws (once per cell and period): a write.
    run = runtime.write if map_writes(runtime.policy) else runtime.read
    shaped = run(lambda ctx: portal_map(ctx, actor, agency_id=actor.subject))
    return s.PortalMapForAgency(
        resolution=shaped.resolution,
        k=shaped.k,
        cells=[s.MapCellForAgency(cell=c.cell, count=c.count) for c in page.of(shaped.cells)],
        mode=shaped.mode.value,
        period_start=shaped.period_start,
        epsilon=shaped.epsilon,
        circles=[s.HeatCircleForAgency.model_validate(asdict(c)) for c in shaped.circles],
    )


@router.post("/requests", response_model=s.RequestForAgency, status_code=201)
def file_request(
    body: s.RequestCreate, actor: AgencyActor, runtime: RuntimeDep, once: OnceDep
) -> s.RequestForAgency | Response:
    return _file(runtime, actor, once, body, _draft(body))


@router.post("/exception-requests", response_model=s.RequestForAgency, status_code=201)
def file_exception_request(
    body: s.ExceptionRequestCreate, actor: AgencyActor, runtime: RuntimeDep, once: OnceDep
) -> s.RequestForAgency | Response:
    """An emergency request or a legal demand: it waits for the operator, notifies no one."""
    draft = _draft(
        body,
        kind=RequestKind(body.kind),
        justification=body.justification,
        legal_process=body.legal_process or "",
        nondisclosure_order=body.nondisclosure_order,
    )
    return _file(runtime, actor, once, body, draft)


def _draft(body: s.RequestCreate, **exception: Any) -> requests.RequestDraft:
    return requests.RequestDraft(
        case_number=body.case_number,
        incident_type=body.incident_type,
        description=body.description,
        center_lat=body.area.center_lat,
        center_lng=body.area.center_lng,
        radius_m=body.area.radius_m,
        window_start=body.window.start,
        window_end=body.window.end,
        **exception,
    )


def _file(
    runtime: Runtime, actor: Actor, once: Once, body: s.RequestCreate, draft: requests.RequestDraft
) -> s.RequestForAgency | Response:
    def step(ctx: Ctx) -> s.RequestForAgency:
        filed = requests.file_request(ctx, actor, agency_id=actor.subject, draft=draft)
        return _request_out(requests.agency_view(ctx, filed))

    return once.write(runtime, body, step)


@router.get("/requests/{request_id}/non-content", response_model=s.NonContentListForAgency)
def list_non_content(
    request_id: UUID, actor: AgencyActor, runtime: RuntimeDep, page: Page
) -> s.NonContentListForAgency:
    """What a subpoena obtained: each clip's times and digest; content is never produced."""
    found = runtime.read(
        lambda ctx: exceptions.non_content_for_agency(
            ctx, agency_id=actor.subject, request_id=request_id
        )
    )
    items = [
        s.NonContentForAgency(
            disclosure_id=i.disclosure.id,
            starts_at=i.clip.starts_at,
            ends_at=i.clip.ends_at,
            digest=i.clip.digest,
            disclosed_at=i.disclosure.disclosed_at,
        )
        for i in page.of(found)
    ]
    return s.NonContentListForAgency(data=items, count=len(found))


@router.get("/requests", response_model=s.RequestListForAgency)
def list_requests(
    actor: AgencyActor,
    runtime: RuntimeDep,
    page: RequestPage,
) -> s.RequestListForAgency:
    views = runtime.read(lambda ctx: requests.list_agency_requests(ctx, agency_id=actor.subject))
    return s.RequestListForAgency(data=[_request_out(v) for v in page.of(views)], count=len(views))


@router.get("/requests/{request_id}", response_model=s.RequestForAgency)
def get_request(request_id: UUID, actor: AgencyActor, runtime: RuntimeDep) -> s.RequestForAgency:
    def step(ctx: Ctx) -> requests.AgencyRequestView:
        requests.require_active_partnership(ctx, actor.subject)
        found = requests.get_own_request(ctx, agency_id=actor.subject, request_id=request_id)
        return requests.agency_view(ctx, found)

    return _request_out(runtime.read(step))


@router.post("/requests/{request_id}/close", response_model=s.RequestForAgency)
def close_request(request_id: UUID, actor: AgencyActor, runtime: RuntimeDep) -> s.RequestForAgency:
    def step(ctx: Ctx) -> requests.AgencyRequestView:
        closed = requests.close_request(ctx, actor, agency_id=actor.subject, request_id=request_id)
        return requests.agency_view(ctx, closed)

    return _request_out(runtime.write(step))


@router.get("/requests/{request_id}/footage", response_model=s.FootageListForAgency)
def list_footage(
    request_id: UUID, actor: AgencyActor, runtime: RuntimeDep, page: Page
) -> s.FootageListForAgency:
    released = runtime.read(
        lambda ctx: footage.list_released(ctx, agency_id=actor.subject, request_id=request_id)
    )
    items = [
        s.FootageForAgency(
            release_id=r.release.id,
            starts_at=r.clip.starts_at,
            ends_at=r.clip.ends_at,
            digest=r.clip.digest,
            size_bytes=len(r.clip.content),
            basis=r.release.basis.value,
            released_at=r.release.released_at,
            neighbor_label=r.release.neighbor_label,
            download_url=f"/portal/footage/{r.release.id}",
        )
        for r in page.of(released)
    ]
    return s.FootageListForAgency(data=items, count=len(released))


@router.get(
    "/footage/{release_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_footage(release_id: UUID, actor: AgencyActor, runtime: RuntimeDep) -> Response:
    released = runtime.write(
        lambda ctx: footage.download(ctx, actor, agency_id=actor.subject, release_id=release_id)
    )
    return Response(
        content=released.clip.content,
        media_type="application/octet-stream",
        headers={
            "Digest": f"sha-256={released.clip.digest}",
            "Content-Disposition": f'attachment; filename="{release_id}.clip"',
        },
    )


def _request_out(view: requests.AgencyRequestView) -> s.RequestForAgency:
    r = view.request
    counts = view.response_counts
    return s.RequestForAgency(
        id=r.id,
        case_number=r.case_number,
        incident_type=r.incident_type,
        description=r.description,
        kind=r.kind,
        officer=r.officer,
        center_lat=r.center_lat,
        center_lng=r.center_lng,
        radius_m=r.radius_m,
        window_start=r.window_start,
        window_end=r.window_end,
        status=view.status,
        filed_at=r.filed_at,
        expires_at=r.expires_at,
        closed_at=r.closed_at,
        response_counts=None if counts is None else s.ResponseCounts.model_validate(counts),
        released_clips=view.released_clips,
    )
