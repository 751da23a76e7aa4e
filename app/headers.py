"""Response headers every answer carries, whatever produced it: API routes, error handlers,
redirects, the documentation pages, static files, the 413 of the body limit.

The pages (app/web/render.py) set their own stricter Content-Security-Policy; these are the floor
for everything else. Before this, /docs and /redoc (where a visitor pastes a bearer token) could
be framed by any site (clickjacking), and no API answer, tokens and footage included, said
`no-store` or `nosniff`.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FLOOR = {
    "X-Content-Type-Options": "nosniff",
    # Neither the API nor its documentation has any reason to be shown inside another site.
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
}
# Answers to an authenticated call hold tokens, footage, identities: no cache keeps them.
PRIVATE = {"Cache-Control": "no-store"}


class SecurityHeaders:
    """Adds FLOOR (and PRIVATE to answers to a call with an Authorization header) where the
    response did not set the header itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authenticated = any(name == b"authorization" for name, _ in scope.get("headers", []))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in (FLOOR | (PRIVATE if authenticated else {})).items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
