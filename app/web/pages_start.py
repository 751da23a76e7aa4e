"""The start page and the page session: act as the demo agency, resident or auditor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.web.errors import WebError
from app.web.render import page
from app.web.session import (
    PAGE_ROLES,
    check_origin,
    clear_sessions,
    decode,
    demo_identities,
    runtime_of,
    set_session,
)
from app.workflow.states import Role

router = APIRouter(include_in_schema=False)

HOME = {Role.AGENCY: "/web/agency", Role.RESIDENT: "/web/resident", Role.AUDITOR: "/web/auditor"}


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/web/", status_code=307)


@router.get("/web/", response_class=HTMLResponse)
def start(request: Request) -> HTMLResponse:
    demos = demo_identities(runtime_of(request))
    return page(request, "start.html", {"demos": demos})


@router.post("/web/session")
def sign_in(
    request: Request,
    demo: Annotated[str, Form(max_length=32)] = "",
    token: Annotated[str, Form(max_length=8192)] = "",
) -> RedirectResponse:
    """Keep a bearer token in the role's cookie: a demo one from the seed, or one pasted."""
    check_origin(request)
    runtime = runtime_of(request)
    if demo:
        found = {d.key: d.token for d in demo_identities(runtime)}
        if demo not in found:
            raise WebError(
                404,
                "demo_not_available",
                "No demo token of that name: run `consentgate seed` (or `make run`) first.",
                api=False,
            )
        token = found[demo]
    if not token.strip():
        raise WebError(
            422, "validation_error", "token: paste a bearer token or pick a demo role.", api=False
        )
    actor = decode(runtime, token.strip())
    if actor.role not in PAGE_ROLES:
        raise WebError(
            403,
            "no_pages_for_role",
            f"The pages have no {actor.role.value} view; the operator works through the API.",
            api=False,
        )
    response = RedirectResponse(f"{HOME[actor.role]}?done=signed-in", status_code=303)
    set_session(response, request, actor, token.strip())
    return response


@router.post("/web/session/end")
def sign_out(request: Request) -> RedirectResponse:
    check_origin(request)
    response = RedirectResponse("/web/?done=signed-out", status_code=303)
    clear_sessions(response)
    return response
