"""create_app(settings): the FastAPI app, its routers and error handlers."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from app import __version__, access, error_docs, http_errors, query_strict
from app.audit.keys import load_signer
from app.clock import Clock
from app.config import Settings, load
from app.headers import SecurityHeaders
from app.limits import BodySizeLimit
from app.policies import Policy
from app.ratelimit import EdgeLimitSettings
from app.routers import audit, me, operator, portal, public, receipts, reports
from app.runtime import Runtime
from app.ticker import lifespan
from app.web import install as install_web

DESCRIPTION = """A simulation of the consent-gated footage-request workflow.

Agencies (`/portal`) file requests for an area and a time window; residents (`/me`) share chosen
clips, decline or ignore; footage reaches an agency only through one release gate; auditors
(`/audit`) read a hash-linked log of every state change. Authenticate with a bearer token
(`consentgate token ROLE`, or `POST /operator/tokens`).
"""


DOCS_STATIC = "/docs-static"


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    policy: Policy | None = None,
    new_id: Callable[[], UUID] | None = None,
) -> FastAPI:
    """The service. `clock`, `policy` and `new_id` (the source of record ids; random UUIDs by
    default) are injected by simulations and the verifier; a deployment leaves them unset."""
    # Read before anything is opened, so that a bad value is refused by its variable's name.
    settings = settings or load(Settings)
    limits = load(EdgeLimitSettings)
    log_signer = load_signer(settings)  # the audit log's checkpoint key (issue 5); checked first
    runtime = Runtime.build(settings, clock=clock, policy=policy, new_id=new_id)
    # FastAPI's own /docs and /redoc load their scripts from a CDN, a blank page offline;
    # these serve the same pages from files installed with the package.
    app = FastAPIOffline(
        title="consentgate",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url=DOCS_STATIC,
    )
    app.state.runtime = runtime
    app.state.log_signer = log_signer
    http_errors.install(app)
    access.install(app, runtime.clock, limits)  # before the routers: the guard fronts every route
    for module in (public, operator, portal, me, audit, reports, receipts):
        app.include_router(module.router, dependencies=[Depends(query_strict.refuse_unknown_query)])
    install_web(app)
    error_docs.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)  # outermost: its 413 gets the headers too
    return app
