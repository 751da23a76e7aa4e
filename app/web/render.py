"""Rendering pages: one Jinja2 environment (autoescaping on), common context, safe headers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.limits import MAX_PAGE, PageParams
from app.web.session import csrf_token, signed_in
from app.workflow.states import Role

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

# Nothing is loaded from outside the service (users may be offline); clip frames are data: URIs.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

# Messages after a successful form post (Post/Redirect/Get): fixed texts, never reflected input.
DONE_MESSAGES = {
    "filed": "Request filed. Residents with a camera in the area have been notified.",
    "closed": "Request closed. It accepts no more responses.",
    "shared": "Shared. A consent scoped to exactly the clips you chose was recorded.",
    "declined": "Declined. The agency cannot tell a decline from no answer.",
    "withdrawn": "Consent withdrawn. Clips the agency had not downloaded are no longer available.",
    "withdrawn-kept": (
        "Consent withdrawn. Nothing more will be released; under this policy, clips already "
        "released stay available to the agency."
    ),
    "settings": "Settings saved.",
    "signed-in": "Signed in.",
    "signed-out": "Signed out of every role.",
}


def when(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


TEMPLATES.env.filters["when"] = when


def page(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    def csrf(role: str) -> str:
        return csrf_token(request, Role(role))

    done = request.query_params.get("done", "")
    full = {
        "session": signed_in(request),
        "csrf": csrf,
        "flash": DONE_MESSAGES.get(done, ""),
        "policy_name": request.app.state.runtime.policy.name,
        **context,
    }
    response = TEMPLATES.TemplateResponse(request, template, full, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


# Pages show whole lists (the API's page caps still bound them: at most MAX_PAGE items).
WHOLE_LIST = PageParams(MAX_PAGE, 0)
WHOLE_MAP = PageParams(10_000, 0)
WHOLE_REQUESTS = PageParams(200, 0)  # an agency's requests: GET /portal/requests's cap
