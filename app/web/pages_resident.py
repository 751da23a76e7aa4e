"""The resident's pages: inbox, one request with her own clips as frames, share, decline,
withdraw, opt out, and what was disclosed about her. Each action is the API's own handler
(`app/routers/me.py`), so the same rules apply."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.idempotency import WITHOUT_KEY
from app.routers import me
from app.schemas.resident import SettingsUpdate, ShareBody
from app.web import explain
from app.web.errors import WebError, attempt, parse_id
from app.web.frames import frames_data_uri
from app.web.render import WHOLE_LIST, page
from app.web.session import check_form, require, runtime_of
from app.workflow import responses
from app.workflow.context import Actor
from app.workflow.states import NoticeResponse, Role

router = APIRouter(prefix="/web/resident", include_in_schema=False)
HOME = "/web/resident"
NOTHING_TICKED = "No clip was ticked: tick the clips to share, or decline the request."


@router.get("", response_class=HTMLResponse)
def inbox(request: Request) -> HTMLResponse:
    actor = require(request, Role.RESIDENT)
    runtime = runtime_of(request)
    found = attempt(lambda: me.inbox(actor, runtime, WHOLE_LIST), back="/web/")
    settings = attempt(lambda: me.get_settings(actor, runtime), back="/web/")
    return page(request, "resident.html", {"inbox": found.data, "settings": settings})


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def inbox_item(request: Request, request_id: str) -> HTMLResponse:
    actor = require(request, Role.RESIDENT)
    rid = parse_id(request_id, "request_id", back=HOME)
    return _request_page(request, actor, rid)


def _request_page(
    request: Request,
    actor: Actor,
    rid: UUID,
    *,
    error: WebError | None = None,
    chosen: frozenset[UUID] = frozenset(),
) -> HTMLResponse:
    """The request as she sees it; a refused answer is shown here, her ticks kept."""
    runtime = runtime_of(request)
    item = attempt(lambda: me.inbox_item(rid, actor, runtime), back=HOME)
    # Her own clips' bytes, through the service the inbox handler calls, to draw their frames.
    own = attempt(
        lambda: runtime.read(
            lambda ctx: responses.get_inbox_item(ctx, resident_id=actor.subject, request_id=rid)
        ),
        back=HOME,
    )
    frames = {clip.id: frames_data_uri(clip.content) for clip in own.clips}
    consents = attempt(lambda: me.list_consents(actor, runtime, WHOLE_LIST), back=HOME)
    mine = [c for c in consents.data if c.request_id == rid]
    can_respond = item.open and item.response in (NoticeResponse.PENDING, NoticeResponse.SHARED)
    shared = {clip_id for c in mine if c.withdrawn_at is None for clip_id in c.clip_ids}
    context = {
        "item": item,
        "frames": frames,
        "consents": mine,
        "can_respond": can_respond,
        "can_decline": item.open and item.response is NoticeResponse.PENDING,
        "shared": shared,
        "error": error,
        "chosen": chosen,
        "sharing_means": explain.sharing(runtime.policy.params),
    }
    status = error.status if error else 200
    return page(request, "resident_request.html", context, status=status)


def _chosen(values: list[str]) -> frozenset[UUID]:
    """The ticked clip ids that parse, to tick them again when the answer is refused."""
    out = set()
    for value in values:
        try:
            out.add(UUID(value))
        except ValueError:
            continue
    return frozenset(out)


@router.post("/requests/{request_id}/share", response_model=None)
def share(
    request: Request,
    request_id: str,
    csrf: Annotated[str, Form()] = "",
    clip_ids: Annotated[list[str] | None, Form()] = None,
) -> Response:
    actor = check_form(request, Role.RESIDENT, csrf)
    back = f"{HOME}/requests/{request_id}"
    rid = parse_id(request_id, "request_id", back=HOME)
    ticked = clip_ids or []
    chosen = _chosen(ticked)
    if not ticked:
        # The API's code for an empty list, with words a resident can act on.
        none = WebError(422, "validation_error", NOTHING_TICKED, back=back)
        return _request_page(request, actor, rid, error=none)
    runtime = runtime_of(request)
    try:
        body = attempt(lambda: ShareBody.model_validate({"clip_ids": ticked}), back=back)
        attempt(lambda: me.share(rid, body, actor, runtime, WITHOUT_KEY), back=back)
    except WebError as exc:
        return _request_page(request, actor, rid, error=exc, chosen=chosen)
    return RedirectResponse(f"{back}?done=shared", status_code=303)


@router.post("/requests/{request_id}/decline", response_model=None)
def decline(request: Request, request_id: str, csrf: Annotated[str, Form()] = "") -> Response:
    actor = check_form(request, Role.RESIDENT, csrf)
    back = f"{HOME}/requests/{request_id}"
    rid = parse_id(request_id, "request_id", back=HOME)
    runtime = runtime_of(request)
    try:
        attempt(lambda: me.decline(rid, actor, runtime), back=back)
    except WebError as exc:
        return _request_page(request, actor, rid, error=exc)
    return RedirectResponse(f"{back}?done=declined", status_code=303)


@router.post("/consents/{consent_id}/withdraw")
def withdraw(
    request: Request,
    consent_id: str,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    actor = check_form(request, Role.RESIDENT, csrf)
    cid = parse_id(consent_id, "consent_id", back=HOME)
    runtime = runtime_of(request)
    consent = attempt(lambda: me.withdraw(cid, actor, runtime), back=HOME)
    # Say what the withdrawal did under this policy: most presets keep released clips available.
    done = (
        "withdrawn" if runtime.policy.params.withdrawal_revokes_undownloaded else "withdrawn-kept"
    )
    # Back to the request the consent was for: built from the answer, never from input.
    return RedirectResponse(f"{HOME}/requests/{consent.request_id}?done={done}", status_code=303)


@router.post("/settings")
def settings(
    request: Request,
    csrf: Annotated[str, Form()] = "",
    opted_out: Annotated[str, Form()] = "",
    encrypt_by_default: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Unchecked boxes are absent from a form post, so absent means off."""
    actor = check_form(request, Role.RESIDENT, csrf)
    body = SettingsUpdate(
        opted_out=opted_out == "on", encrypt_by_default=encrypt_by_default == "on"
    )
    runtime = runtime_of(request)
    attempt(lambda: me.put_settings(body, actor, runtime), back=HOME)
    return RedirectResponse(f"{HOME}?done=settings", status_code=303)


@router.get("/disclosures", response_class=HTMLResponse)
def disclosures(request: Request) -> HTMLResponse:
    actor = require(request, Role.RESIDENT)
    runtime = runtime_of(request)
    found = attempt(lambda: me.disclosures(actor, runtime, WHOLE_LIST), back=HOME)
    return page(request, "resident_disclosures.html", {"disclosures": found.data})
