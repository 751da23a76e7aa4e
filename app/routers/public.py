"""Routes for anyone: health and the policy in force."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from app.deps import RuntimeDep
from app.policies.base import describe
from app.schemas.common import Health, PolicyOut
from app.workflow.records import Agency

router = APIRouter(tags=["public"])


@router.get("/healthz", response_model=Health)
def healthz(runtime: RuntimeDep) -> Health:
    # Through the runtime, so an unreachable database answers 503 like every other route.
    runtime.read(lambda ctx: ctx.store.get(Agency, UUID(int=0)))
    return Health(status="ok", database=runtime.db.engine.dialect.name, policy=runtime.policy.name)


@router.get("/policy", response_model=PolicyOut)
def policy(runtime: RuntimeDep) -> PolicyOut:
    return PolicyOut.model_validate(describe(runtime.policy))
