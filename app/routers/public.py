"""Routes for anyone: health and the policy in force."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from app.deps import RuntimeDep
from app.policies.base import describe
from app.schemas.common import Health, PolicyOut
from app.strict_json import StrictJsonRoute
from app.workflow.records import Agency

router = APIRouter(tags=["public"], route_class=StrictJsonRoute)


@router.get("/healthz", response_model=Health)
def healthz(runtime: RuntimeDep) -> Health:
    # Through the runtime, so an unreachable database answers 503 like every other route.
    runtime.read(lambda ctx: ctx.store.get(Agency, UUID(int=0)))
    return Health(status="ok", database=runtime.db.engine.dialect.name, policy=runtime.policy.name)


@router.head("/healthz", include_in_schema=False)
def healthz_head(runtime: RuntimeDep) -> Response:
    """What load balancers and uptime checkers send: the same check, 200 or 503, no body."""
    healthz(runtime)
    answer = Response(status_code=200, media_type="application/json")
    # RFC 9110 8.6: a HEAD answer's Content-Length is the GET's or absent, never this 0.
    del answer.headers["content-length"]
    return answer


@router.get("/policy", response_model=PolicyOut)
def policy(runtime: RuntimeDep) -> PolicyOut:
    return PolicyOut.model_validate(describe(runtime.policy))
