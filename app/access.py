"""Who may call which route: the one allow-list, enforced on every route by `guard`.

The guard runs before a route's own dependencies. It fails closed: a route missing from
`ALLOW_LIST` answers 403 `route_not_in_allow_list` to everyone, so a new route is unreachable
until someone decides who may call it. The routers keep their own role dependencies
(`AgencyActor`, ...) as a second check; tests/security/test_route_matrix.py calls every route in
the OpenAPI document with every role, no token and forged tokens, and fails when the two
disagree, when a route is missing here, or when anyone not listed gets a 2xx.

Keys are "METHOD /path" with the path exactly as FastAPI declares it (`{param}` included).
OWASP API Security Top 10 (2023): API5 broken function-level authorisation, API4 (rate limits).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Final

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security.utils import get_authorization_scheme_param

from app.clock import Clock
from app.deps import get_actor, get_runtime
from app.http_errors import ApiError
from app.ratelimit import EdgeLimitSettings, RateLimiter, RateRule
from app.route_contexts import route_contexts
from app.workflow.states import Role

ANYONE: Final = "anyone"
"""No token needed: the route serves what anyone may read."""

PAGE: Final = "page"
"""A web page (app/web/): no bearer header; the page session cookie names the role, and the page
checks it (app/web/session.py) before calling the API's own handlers, so it authorises exactly
as the API route would. tests/web/test_session.py refuses every page without its role's cookie."""

Audience = frozenset[Role] | str

OPERATOR = frozenset({Role.OPERATOR})
AGENCY = frozenset({Role.AGENCY})
RESIDENT = frozenset({Role.RESIDENT})
AUDITOR = frozenset({Role.AUDITOR})

ALLOW_LIST: Final[Mapping[str, Audience]] = {
    "GET /healthz": ANYONE,
    "GET /policy": ANYONE,
    # the operator runs the platform
    "POST /operator/agencies": OPERATOR,
    "GET /operator/agencies": OPERATOR,
    "PUT /operator/agencies/{agency_id}/partnership": OPERATOR,
    "POST /operator/residents": OPERATOR,
    "POST /operator/residents/{resident_id}/cameras": OPERATOR,
    "POST /operator/cameras/{camera_id}/clips": OPERATOR,
    "POST /operator/tokens": OPERATOR,
    "GET /operator/requests": OPERATOR,
    "POST /operator/requests/{request_id}/approve": OPERATOR,
    "POST /operator/requests/{request_id}/reject": OPERATOR,
    "POST /operator/requests/{request_id}/exception": OPERATOR,
    "POST /operator/tick": OPERATOR,
    # an agency, through its portal, only while its partnership is active
    "GET /portal/map": AGENCY,
    "POST /portal/requests": AGENCY,
    "POST /portal/exception-requests": AGENCY,
    "GET /portal/requests/{request_id}/non-content": AGENCY,
    "GET /portal/requests": AGENCY,
    "GET /portal/requests/{request_id}": AGENCY,
    "POST /portal/requests/{request_id}/close": AGENCY,
    "GET /portal/requests/{request_id}/footage": AGENCY,
    "GET /portal/footage/{release_id}": AGENCY,
    # a resident, about themselves
    "GET /me/requests": RESIDENT,
    "GET /me/requests/{request_id}": RESIDENT,
    "POST /me/requests/{request_id}/share": RESIDENT,
    "POST /me/requests/{request_id}/decline": RESIDENT,
    "GET /me/consents": RESIDENT,
    "POST /me/consents/{consent_id}/withdraw": RESIDENT,
    "GET /me/settings": RESIDENT,
    "PUT /me/settings": RESIDENT,
    "GET /me/disclosures": RESIDENT,
    "GET /me/consents/{consent_id}/receipt": RESIDENT,
    "GET /me/requests/{request_id}/consent-history": RESIDENT,
    # an auditor reads everything the log and the releases hold, and changes nothing
    "GET /audit/entries": AUDITOR,
    "GET /audit/releases": AUDITOR,
    "GET /audit/verify": AUDITOR,
    "GET /audit/checkpoint": AUDITOR,
    "GET /audit/export": AUDITOR,
    "GET /audit/proofs/inclusion/{index}": AUDITOR,
    "GET /audit/proofs/consistency": AUDITOR,
    "GET /audit/replay": AUDITOR,
    "GET /audit/notices/{notice_id}/consent-history": AUDITOR,
    "POST /audit/receipts/verify": AUDITOR,
    "GET /reports/transparency": AUDITOR,
    # the log's public key: anyone may pin it (it verifies checkpoints and receipts)
    "GET /audit/log-key": ANYONE,
    # the API's documentation pages (app/main.py: served from the package, no CDN)
    "GET /docs": ANYONE,
    "GET /docs/oauth2-redirect": ANYONE,
    "GET /redoc": ANYONE,
    # the web walkthrough (app/web/): each page checks its own role's session cookie
    "GET /": ANYONE,  # redirects to /web/
    "GET /web/": ANYONE,
    "POST /web/session": ANYONE,  # sign in with a token, which is checked like a bearer token
    "POST /web/session/end": ANYONE,
    "GET /web/lab": ANYONE,
    "GET /web/agency": PAGE,
    "POST /web/agency/preview": PAGE,
    "POST /web/agency/requests": PAGE,
    "GET /web/agency/requests/{request_id}": PAGE,
    "POST /web/agency/requests/{request_id}/close": PAGE,
    "GET /web/agency/footage/{release_id}": PAGE,
    "GET /web/agency/footage/{release_id}/clip": PAGE,
    "GET /web/resident": PAGE,
    "GET /web/resident/requests/{request_id}": PAGE,
    "POST /web/resident/requests/{request_id}/share": PAGE,
    "POST /web/resident/requests/{request_id}/decline": PAGE,
    "POST /web/resident/consents/{consent_id}/withdraw": PAGE,
    "POST /web/resident/settings": PAGE,
    "GET /web/resident/disclosures": PAGE,
    "GET /web/auditor": PAGE,
    "GET /web/auditor/log": PAGE,
    "GET /web/compare": PAGE,
    "GET /web/compare/{request_id}": PAGE,
}

EDGE_LIMITS: Final[Mapping[str, str]] = {
    "POST /operator/tokens": "token_minting",
    "POST /portal/requests": "request_filing",
    "POST /portal/exception-requests": "request_filing",
}
"""Routes with a per-subject burst limit, by rule name (app/ratelimit.py, EdgeLimitSettings)."""


def api_route_keys(app: FastAPI) -> list[str]:
    """ "METHOD /path" for every API route of `app`, included routers flattened, hidden or not."""
    keys = []
    for context in route_contexts(app):
        original = getattr(context, "original_route", context)
        if isinstance(original, APIRoute):
            keys += [route_key(m, str(context.path_format)) for m in context.methods or ()]
    return sorted(set(keys))


DOC_PAGES = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


def is_page(key: str) -> bool:
    """A page outside the OpenAPI document: the web walkthrough (tested in tests/web) or the
    document's own viewers (tests/api/test_docs_offline.py)."""
    path = key.split(" ", 1)[1]
    return path == "/" or path.startswith("/web") or path in DOC_PAGES


def api_allow_list() -> dict[str, Audience]:
    """The allow-list without the pages: the routes the OpenAPI document describes."""
    return {k: a for k, a in ALLOW_LIST.items() if not is_page(k)}


def route_key(method: str, path: str) -> str:
    return f"{'GET' if method.upper() == 'HEAD' else method.upper()} {path}"


def audience_of(key: str) -> Audience | None:
    return ALLOW_LIST.get(key)


def roles_text(audience: Audience) -> str:
    if isinstance(audience, str):
        return audience
    return " or ".join(sorted(r.value for r in audience))


def _credentials(request: Request) -> HTTPAuthorizationCredentials | None:
    # Read here rather than through HTTPBearer so that public routes declare no security.
    scheme, value = get_authorization_scheme_param(request.headers.get("Authorization"))
    if not scheme or not value:
        return None
    return HTTPAuthorizationCredentials(scheme=scheme, credentials=value)


async def guard(request: Request) -> None:
    """Authenticate and authorise against ALLOW_LIST, then apply the route's edge limit."""
    # The matched route's declared path, never request.url.path: a malformed Host header can
    # poison the latter (CVE-2026-48710). No matched route: no entry, closed.
    path = getattr(request.scope.get("route"), "path_format", None)
    key = route_key(request.method, str(path) if path else "(no matched route)")
    audience = audience_of(key)
    if audience is None:
        raise ApiError(
            403,
            "route_not_in_allow_list",
            f"The route {key!r} is not in the access allow-list (app/access.py); "
            "it is closed until an entry says who may call it.",
        )
    if audience in (ANYONE, PAGE):
        return
    runtime = get_runtime(request)
    actor = get_actor(runtime, _credentials(request))  # 401 for a missing or invalid token
    if isinstance(audience, str) or actor.role not in audience:  # str: an unknown audience
        raise ApiError(403, "wrong_role", f"This route is for the {roles_text(audience)} role.")
    rule_name = EDGE_LIMITS.get(key)
    if rule_name is not None:
        limiter: EdgeLimiter = request.app.state.edge_limiter
        limiter.hit(rule_name, actor.subject)


class EdgeLimiter:
    """The served app's burst limits: named rules over one in-memory limiter."""

    def __init__(self, clock: Clock, settings: EdgeLimitSettings | None = None) -> None:
        self.rules: dict[str, RateRule] = (settings or EdgeLimitSettings()).rules()
        self.limiter = RateLimiter(clock)

    def hit(self, rule_name: str, subject: Hashable) -> None:
        self.limiter.hit(self.rules[rule_name], subject)


def install(app: FastAPI, clock: Clock, limits: EdgeLimitSettings | None = None) -> None:
    """Put the guard in front of every route included after this call."""
    app.state.edge_limiter = EdgeLimiter(clock, limits)
    app.router.dependencies.insert(0, Depends(guard))
