"""The page session: one HttpOnly cookie per role, each holding that role's bearer token.

A page authorises exactly as the JSON API does: the cookie's token goes through the same
`decode_token` with the same clock, and the same role check. Holding one cookie per role lets a
student be agency, resident and auditor at once, which the side-by-side view needs. Cookies are
scoped to /web, so the JSON API never receives them and stays bearer-only (no CSRF surface).
"""

from __future__ import annotations

import hashlib
import hmac
import shlex
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request, Response

from app.runtime import Runtime
from app.security import InvalidToken, decode_token
from app.web.errors import WebError
from app.workflow.context import Actor
from app.workflow.states import Role

COOKIE_PATH = "/web"
PAGE_ROLES = (Role.AGENCY, Role.RESIDENT, Role.AUDITOR)
ROLE_WORDS = {Role.AGENCY: "an agency", Role.RESIDENT: "a resident", Role.AUDITOR: "an auditor"}
# The seed's var/demo.env keys for the start page's one-click demo identities.
DEMO_KEYS = {
    "agency": ("AGENCY_TOKEN", "Lakeview Police Department (Officer Riley)"),
    "other-agency": ("OTHER_AGENCY_TOKEN", "Harbor County Sheriff (another agency)"),
    "resident": ("RESIDENT_TOKEN", "Dana Demo, a resident with a porch camera"),
    "auditor": ("AUDITOR_TOKEN", "an auditor"),
}


def cookie_name(role: Role) -> str:
    return f"cg_{role.value}"


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def decode(runtime: Runtime, token: str) -> Actor:
    try:
        return decode_token(runtime.tokens, token, now=runtime.clock.now())
    except InvalidToken:
        # The API's answer for every reason, so a forger learns nothing from the page either.
        raise WebError(401, "invalid_token", "The token is invalid or expired.") from None


def actor_for(request: Request, role: Role) -> Actor | None:
    """The signed-in actor for `role`, or None when that role has no session."""
    token = request.cookies.get(cookie_name(role))
    if not token:
        return None
    actor = decode(runtime_of(request), token)
    if actor.role is not role:
        raise WebError(403, "wrong_role", f"This page is for the {role.value} role.")
    return actor


def require(request: Request, role: Role) -> Actor:
    actor = actor_for(request, role)
    if actor is None:
        raise WebError(
            401,
            "not_authenticated",
            f"Sign in as {ROLE_WORDS[role]} on the start page first.",
        )
    return actor


def signed_in(request: Request) -> dict[str, bool]:
    """Which roles hold a cookie (for the header); validity is checked where it is used."""
    return {role.value: bool(request.cookies.get(cookie_name(role))) for role in PAGE_ROLES}


def set_session(response: Response, request: Request, actor: Actor, token: str) -> None:
    response.set_cookie(
        cookie_name(actor.role),
        token,
        httponly=True,
        samesite="strict",
        # In production always: behind a TLS-terminating proxy on another host the request
        # arrives as plain http://, and a cookie without Secure (a bearer token) would then be
        # sent in clear on any http:// link to the site. Elsewhere (`make run` on
        # http://127.0.0.1) only over HTTPS, or the browser would not send it back.
        secure=request.url.scheme == "https" or runtime_of(request).settings.env == "production",
        path=COOKIE_PATH,
    )


def clear_sessions(response: Response) -> None:
    for role in PAGE_ROLES:
        response.delete_cookie(cookie_name(role), path=COOKIE_PATH)


def csrf_token(request: Request, role: Role) -> str:
    """A per-session form token: HMAC of the role's session token under the signing secret."""
    token = request.cookies.get(cookie_name(role), "")
    secret = runtime_of(request).tokens.secret.encode()
    return hmac.new(secret, f"csrf|{role.value}|{token}".encode(), hashlib.sha256).hexdigest()


def check_form(request: Request, role: Role, csrf: str) -> Actor:
    """Authorise a form post: same-origin, a session for `role`, and that session's CSRF token."""
    check_origin(request)
    actor = require(request, role)
    if not hmac.compare_digest(csrf, csrf_token(request, role)):
        raise WebError(
            403, "csrf_failed", "The form is stale or came from another site; reload.", api=False
        )
    return actor


def check_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin is not None and origin != own:
        raise WebError(
            403, "cross_origin", "Forms are accepted only from this site's pages.", api=False
        )


@dataclass(frozen=True, slots=True)
class DemoIdentity:
    key: str
    label: str
    token: str


def demo_identities(runtime: Runtime) -> list[DemoIdentity]:
    """The demo tokens the seed wrote (`make run` refreshes them); none in production."""
    settings = runtime.settings
    if settings.env == "production":
        return []
    values = read_env_file(settings.demo_env_path())
    return [
        DemoIdentity(key, label, values[env_key])
        for key, (env_key, label) in DEMO_KEYS.items()
        if values.get(env_key)
    ]


def read_env_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.removeprefix("export ").partition("=")
        if sep:
            values[name.strip()] = _unquoted(value.strip())
    return values


def _unquoted(value: str) -> str:
    """The value as the shell that sources the file reads it (the seed quotes with
    shlex.quote); a value the shell could not read either is kept as written."""
    try:
        words = shlex.split(value)
    except ValueError:
        return value
    return words[0] if len(words) == 1 else value
