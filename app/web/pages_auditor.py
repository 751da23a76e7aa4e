"""The auditor's pages: the log and its verification, releases with basis and consent.

Signed checkpoints and the transparency report belong to the auditor toolkit (issue 5); the
template has their sections ready and says plainly when this build does not provide them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.routers import audit
from app.web.errors import WebError, attempt
from app.web.render import WHOLE_LIST, page
from app.web.session import require, runtime_of
from app.workflow.states import Role

router = APIRouter(prefix="/web/auditor", include_in_schema=False)
HOME = "/web/auditor"
LOG_PAGE = 50


@router.get("", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    actor = require(request, Role.AUDITOR)
    runtime = runtime_of(request)
    check = attempt(lambda: audit.verify(actor, runtime), back="/web/")
    releases = attempt(lambda: audit.releases(actor, runtime, WHOLE_LIST), back="/web/")
    context: dict[str, Any] = {
        "check": check,
        "releases": releases.data,
        # Plug-in points for the auditor toolkit: a checkpoint and a report, or None.
        "checkpoint": None,
        "report": None,
    }
    return page(request, "auditor.html", context)


@router.get("/log", response_class=HTMLResponse)
def log(request: Request, start: str = "") -> HTMLResponse:
    """A page of the log; without `start`, the newest page."""
    actor = require(request, Role.AUDITOR)
    runtime = runtime_of(request)
    check = attempt(lambda: audit.verify(actor, runtime), back=HOME)
    if start == "":
        first = max(0, check.size - LOG_PAGE)
    elif start.isdigit():
        first = int(start)
    else:
        raise WebError(422, "validation_error", "start: a sequence number (0 or more)", back=HOME)
    entries = attempt(lambda: audit.entries(actor, runtime, start=first, limit=LOG_PAGE), back=HOME)
    context = {
        "check": check,
        "entries": entries.data,
        "start": first,
        "previous": max(0, first - LOG_PAGE) if first > 0 else None,
        "next": entries.next_start,
        "page_size": LOG_PAGE,
    }
    return page(request, "auditor_log.html", context)
