"""The agency portal as pages. Every figure comes from the JSON API's own agency handlers
(`app/routers/portal.py`), so a page can show an agency nothing the API would not (I4)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from app.access import EDGE_LIMITS, EdgeLimiter
from app.idempotency import WITHOUT_KEY, model_of
from app.routers import portal
from app.schemas.portal import RequestCreate
from app.web.errors import WebError, attempt, from_validation, parse_id
from app.web.frames import frames_data_uri
from app.web.mapsvg import Circle, MapFigure, portal_figure
from app.web.render import WHOLE_LIST, WHOLE_MAP, WHOLE_REQUESTS, page
from app.web.session import check_form, read_env_file, require, runtime_of
from app.workflow.context import Actor
from app.workflow.states import Role

router = APIRouter(prefix="/web/agency", include_in_schema=False)
HOME = "/web/agency"
INCIDENT_TYPES = (
    "package_theft",
    "burglary",
    "vehicle_break_in",
    "vandalism",
    "hit_and_run",
    "missing_person",
    "lawful_protest",  # refused by every preset: students see the rule fire
)
FORM_FIELDS = (
    "case_number",
    "incident_type",
    "description",
    "center_lat",
    "center_lng",
    "radius_m",
    "window_start",
    "window_end",
)


def _portal_map(actor: Actor, request: Request, circles: list[Circle]) -> MapFigure:
    runtime = runtime_of(request)
    shaped = attempt(lambda: portal.get_map(actor, runtime, WHOLE_MAP), back="/web/")
    return portal_figure(shaped, circles)


def _default_form(request: Request, figure: MapFigure) -> dict[str, str]:
    """Start the form on the demo incident when the seed wrote one, else on the map's centre."""
    runtime = runtime_of(request)
    demo = (
        {}
        if runtime.settings.env == "production"
        else read_env_file(runtime.settings.demo_env_path())
    )
    yesterday = runtime.clock.now() - timedelta(days=1)
    return {
        "case_number": "",
        "incident_type": "package_theft",
        "description": "",
        "center_lat": demo.get("INCIDENT_LAT", f"{figure.lat0:.6f}"),
        "center_lng": demo.get("INCIDENT_LNG", f"{figure.lng0:.6f}"),
        "radius_m": "200",
        "window_start": demo.get("WINDOW_START", f"{yesterday:%Y-%m-%dT%H:00}")[:16],
        "window_end": demo.get("WINDOW_END", f"{yesterday + timedelta(hours=1):%Y-%m-%dT%H:00}")[
            :16
        ],
    }


def _portal_page(
    request: Request, actor: Actor, form: dict[str, str] | None, error: WebError | None
) -> HTMLResponse:
    runtime = runtime_of(request)
    listed = attempt(lambda: portal.list_requests(actor, runtime, WHOLE_REQUESTS), back="/web/")
    circles = [Circle(r.center_lat, r.center_lng, r.radius_m, r.case_number) for r in listed.data]
    if form is None:
        form = _default_form(request, _portal_map(actor, request, circles))
    draft = _draft_circle(form)
    figure = _portal_map(actor, request, circles + ([draft] if draft else []))
    context: dict[str, Any] = {
        "figure": figure,
        "map_k": runtime.policy.params.map_k,
        "requests": listed.data,
        "form": form,
        "incident_types": INCIDENT_TYPES,
        "error": error,
        "invalid": error.field if isinstance(error, FormRefusal) else "",
        "officer": actor.name,
        # warrant-only, legal-only-2024: the portal takes no requests to residents at all.
        "consent_requests": runtime.policy.params.consent_requests,
        "policy_name": runtime.policy.name,
    }
    return page(request, "agency.html", context, status=error.status if error else 200)


def _draft_circle(form: dict[str, str] | None) -> Circle | None:
    if not form:
        return None
    try:
        lat, lng = float(form["center_lat"]), float(form["center_lng"])
        radius = float(form["radius_m"])
    except (KeyError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180 and 0 < radius <= 20_000):
        return None
    return Circle(lat, lng, radius, "the request you are filing", kind="draft")


@router.get("", response_class=HTMLResponse)
def portal_home(request: Request) -> HTMLResponse:
    actor = require(request, Role.AGENCY)
    return _portal_page(request, actor, None, None)


# A date and a time to the minute, optional seconds and fraction, optional zone: what a
# datetime-local input sends (no zone) and what a person types with an offset.
_FORM_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})?", re.ASCII
)


def _utc(value: str) -> str:
    """A datetime-local value (no zone) is read as UTC, as the form's label says; one typed with
    its offset (`Z`, `+02:00`, `-05:00`) is that instant, given to the API in UTC. Anything else
    is passed on as typed, for the API's schema to refuse in its own words."""
    text = value.strip()
    if not _FORM_TIME.fullmatch(text):
        return text
    try:
        moment = datetime.fromisoformat(text[:-1] + "Z" if text.endswith("z") else text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    except (ValueError, OverflowError):  # 2026-02-30; year 1 shifted before year 1
        return text


# The API body's field paths as the form labels them, and the input each one came from.
FORM_LABELS = {
    "case_number": ("Case number", "case_number"),
    "incident_type": ("Incident type", "incident_type"),
    "description": ("Description", "description"),
    "area.center_lat": ("Centre latitude", "center_lat"),
    "area.center_lng": ("Centre longitude", "center_lng"),
    "area.radius_m": ("Radius", "radius_m"),
    "window": ("Time window", "window_start"),
    "window.start": ("From", "window_start"),
    "window.end": ("To", "window_end"),
}


class FormRefusal(WebError):
    """The API's validation_error for the request body, worded with the form's labels and
    naming the input to mark (aria-invalid) so the student sees which box to correct."""

    def __init__(self, detail: str, field: str) -> None:
        super().__init__(422, "validation_error", detail, back=HOME)
        self.field = field


def _form_refusal(exc: ValidationError) -> FormRefusal:
    api = from_validation(exc, back=HOME)  # "area.center_lat: Input should be ..."
    path, _, reason = api.detail.partition(": ")
    label, field = FORM_LABELS.get(path, (path, ""))
    return FormRefusal(f"{label} ({path}): {reason}", field)


class RequestForm(BaseModel):
    """The request form's fields as typed (strings): kept for redisplay, validated as the API's
    RequestCreate on filing."""

    csrf: str = ""
    case_number: str = ""
    incident_type: str = ""
    description: str = ""
    center_lat: str = ""
    center_lng: str = ""
    radius_m: str = ""
    window_start: str = ""
    window_end: str = ""

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FORM_FIELDS}


@router.post("/preview", response_class=HTMLResponse)
def preview(request: Request, data: Annotated[RequestForm, Form()]) -> HTMLResponse:
    """Draw the form's circle on the map without filing anything (works without JavaScript)."""
    actor = check_form(request, Role.AGENCY, data.csrf)
    return _portal_page(request, actor, data.fields(), None)


@router.post("/requests", response_class=HTMLResponse)
def file_request(request: Request, data: Annotated[RequestForm, Form()]) -> Response:
    actor = check_form(request, Role.AGENCY, data.csrf)
    form = data.fields()
    try:
        attempt(lambda: _count_filing(request, actor), back=HOME)
    except WebError as exc:  # 429 rate_limited, shown on the form with what was typed
        return _portal_page(request, actor, form, exc)
    try:
        # Form fields are all text: parsed here as pydantic's lax mode reads "12.5", where the
        # JSON API (strict, app/schemas/common.py Body) refuses a number sent as a string.
        body = RequestCreate.model_validate(
            {
                "case_number": data.case_number,
                "incident_type": data.incident_type,
                "description": data.description,
                "area": {
                    "center_lat": data.center_lat,
                    "center_lng": data.center_lng,
                    "radius_m": data.radius_m,
                },
                "window": {"start": _utc(data.window_start), "end": _utc(data.window_end)},
            },
            strict=False,
        )
    except ValidationError as exc:
        return _portal_page(request, actor, form, _form_refusal(exc))
    runtime = runtime_of(request)
    try:
        filed = model_of(
            attempt(lambda: portal.file_request(body, actor, runtime, WITHOUT_KEY), back=HOME)
        )
    except WebError as exc:
        return _portal_page(request, actor, form, exc)
    return RedirectResponse(f"{HOME}/requests/{filed.id}?done=filed", status_code=303)


def _count_filing(request: Request, actor: Actor) -> None:
    """The API's filing limit, on the same budget: the guard applies it to POST /portal/requests
    only, and this form calls the handler directly (it was a way around the dragnet's brake)."""
    limiter: EdgeLimiter = request.app.state.edge_limiter
    limiter.hit(EDGE_LIMITS["POST /portal/requests"], actor.subject)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_detail(request: Request, request_id: str) -> HTMLResponse:
    actor = require(request, Role.AGENCY)
    rid = parse_id(request_id, "request_id", back=HOME)
    runtime = runtime_of(request)
    found = attempt(lambda: portal.get_request(rid, actor, runtime), back=HOME)
    footage = attempt(lambda: portal.list_footage(rid, actor, runtime, WHOLE_LIST), back=HOME)
    circle = Circle(found.center_lat, found.center_lng, found.radius_m, found.case_number)
    figure = _portal_map(actor, request, [circle])
    context = {
        "req": found,
        "footage": footage.data,
        "figure": figure,
        "map_k": runtime.policy.params.map_k,
    }
    return page(request, "agency_request.html", context)


@router.post("/requests/{request_id}/close")
def close_request(
    request: Request, request_id: str, csrf: Annotated[str, Form()] = ""
) -> RedirectResponse:
    actor = check_form(request, Role.AGENCY, csrf)
    rid = parse_id(request_id, "request_id", back=HOME)
    runtime = runtime_of(request)
    attempt(lambda: portal.close_request(rid, actor, runtime), back=f"{HOME}/requests/{rid}")
    return RedirectResponse(f"{HOME}/requests/{rid}?done=closed", status_code=303)


@router.get("/footage/{release_id}", response_class=HTMLResponse)
def footage_view(request: Request, release_id: str) -> HTMLResponse:
    """The released clip's frames; like the API's download, the first view is logged."""
    actor = require(request, Role.AGENCY)
    rel = parse_id(release_id, "release_id", back=HOME)
    runtime = runtime_of(request)
    content = attempt(lambda: portal.download_footage(rel, actor, runtime), back=HOME).body
    context = {
        "release_id": rel,
        "frames": frames_data_uri(bytes(content)),
        "size": len(content),
        "digest": _digest(bytes(content)),
    }
    return page(request, "agency_footage.html", context)


@router.get("/footage/{release_id}/clip")
def footage_download(request: Request, release_id: str) -> Response:
    actor = require(request, Role.AGENCY)
    rel = parse_id(release_id, "release_id", back=HOME)
    runtime = runtime_of(request)
    return attempt(lambda: portal.download_footage(rel, actor, runtime), back=HOME)


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
