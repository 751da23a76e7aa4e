"""The auditor's pages: the log and its verification, releases with basis and consent.

The current signed checkpoint (with the key to pin) and the last year's transparency report
come from the same functions as GET /audit/checkpoint and GET /reports/transparency.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.audit.report_format import table
from app.limits import MAX_SEQ
from app.routers import audit
from app.runtime import Runtime
from app.web.errors import WebError, attempt
from app.web.render import WHOLE_LIST, page
from app.web.session import require, runtime_of
from app.workflow.context import Actor
from app.workflow.states import Role
from app.workflow.transparency import UP_TO_NOW, transparency_report

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
        "checkpoint": _checkpoint(request, actor, runtime),
        "report": _report(actor, runtime),
    }
    return page(request, "auditor.html", context)


def _checkpoint(request: Request, actor: Actor, runtime: Runtime) -> dict[str, str]:
    """The signed checkpoint the API serves, and the key to pin to check it."""
    signer = audit.get_signer(request)
    key = audit.log_key(signer)
    return {
        "signed_note": audit.checkpoint(actor, runtime, signer),
        "log_key": key.verifier_key,
    }


def _report(actor: Actor, runtime: Runtime) -> dict[str, Any]:
    """The last year's transparency report, as GET /reports/transparency computes it."""
    until = runtime.clock.now() + UP_TO_NOW
    found = runtime.read(
        lambda ctx: transparency_report(ctx, start=until - timedelta(days=365), end=until)
    )
    title, columns, rows = table(found)
    return {"title": title, "columns": columns, "rows": rows}


@router.get("/log", response_class=HTMLResponse)
def log(request: Request, start: str = "") -> HTMLResponse:
    """A page of the log; without `start`, the newest page."""
    actor = require(request, Role.AUDITOR)
    runtime = runtime_of(request)
    check = attempt(lambda: audit.verify(actor, runtime), back=HOME)
    if start == "":
        first = max(0, check.size - LOG_PAGE)
    # isdigit alone takes '²', which int() refuses; past MAX_SEQ (as GET /audit/entries
    # bounds it) the number overflowed PostgreSQL's integer column, or SQLite's, with a 500.
    elif start.isascii() and start.isdigit() and int(start) <= MAX_SEQ:
        first = int(start)
    else:
        reason = f"start: a sequence number from 0 to {MAX_SEQ:,}"
        raise WebError(422, "validation_error", reason, back=HOME)
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
