"""One request seen by the agency and by a resident, side by side: the anonymity boundary.

Each pane is authorised on its own, with its own role's session, through the API's handlers;
a pane whose role is not signed in, or that may not see the request, says why instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.routers import me, portal
from app.runtime import Runtime
from app.web.errors import WebError, attempt, parse_id
from app.web.frames import frames_data_uri
from app.web.mapsvg import Circle, portal_figure
from app.web.render import WHOLE_LIST, WHOLE_MAP, WHOLE_REQUESTS, page
from app.web.session import actor_for, runtime_of
from app.workflow import responses
from app.workflow.context import Actor
from app.workflow.states import Role

router = APIRouter(prefix="/web/compare", include_in_schema=False)
HOME = "/web/compare"


@dataclass(frozen=True, slots=True)
class Pane:
    """What one role sees, or why it sees nothing."""

    signed_in: bool
    data: dict[str, Any]
    error: WebError | None = None


@router.get("", response_class=HTMLResponse)
def choose(request: Request) -> HTMLResponse:
    runtime = runtime_of(request)
    agency, resident = actor_for(request, Role.AGENCY), actor_for(request, Role.RESIDENT)
    agency_requests = (
        attempt(lambda: portal.list_requests(agency, runtime, WHOLE_REQUESTS), back="/web/")
        if agency
        else None
    )
    inbox = (
        attempt(lambda: me.inbox(resident, runtime, WHOLE_LIST), back="/web/") if resident else None
    )
    context = {
        "agency_requests": agency_requests.data if agency_requests else None,
        "inbox": inbox.data if inbox else None,
    }
    return page(request, "compare_choose.html", context)


def _agency_pane(runtime: Runtime, actor: Actor | None, rid: UUID) -> Pane:
    if actor is None:
        return Pane(False, {})
    try:
        found = attempt(lambda: portal.get_request(rid, actor, runtime), back=HOME)
        footage = attempt(lambda: portal.list_footage(rid, actor, runtime, WHOLE_LIST), back=HOME)
        shaped = attempt(lambda: portal.get_map(actor, runtime, WHOLE_MAP), back=HOME)
    except WebError as exc:
        return Pane(True, {}, exc)
    circle = Circle(found.center_lat, found.center_lng, found.radius_m, found.case_number)
    figure = portal_figure(shaped, [circle])
    return Pane(True, {"req": found, "footage": footage.data, "figure": figure})


def _resident_pane(runtime: Runtime, actor: Actor | None, rid: UUID) -> Pane:
    if actor is None:
        return Pane(False, {})
    try:
        item = attempt(lambda: me.inbox_item(rid, actor, runtime), back=HOME)
        own = attempt(
            lambda: runtime.read(
                lambda ctx: responses.get_inbox_item(ctx, resident_id=actor.subject, request_id=rid)
            ),
            back=HOME,
        )
        disclosed = attempt(lambda: me.disclosures(actor, runtime, WHOLE_LIST), back=HOME)
    except WebError as exc:
        return Pane(True, {}, exc)
    frames = {clip.id: frames_data_uri(clip.content) for clip in own.clips}
    mine = [d for d in disclosed.data if d.request_id == rid]
    released = {d.clip_id for d in mine if d.revoked_at is None}
    context = {"item": item, "frames": frames, "disclosures": mine, "released": released}
    return Pane(True, context)


@router.get("/{request_id}", response_class=HTMLResponse)
def side_by_side(request: Request, request_id: str) -> HTMLResponse:
    rid = parse_id(request_id, "request_id", back=HOME)
    runtime = runtime_of(request)
    agency = _agency_pane(runtime, actor_for(request, Role.AGENCY), rid)
    resident = _resident_pane(runtime, actor_for(request, Role.RESIDENT), rid)
    context = {
        "request_id": rid,
        "agency": agency,
        "resident": resident,
        "map_k": runtime.policy.params.map_k,
    }
    return page(request, "compare.html", context)
