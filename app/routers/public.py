"""Routes for anyone: health and the policy in force."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from app.deps import RuntimeDep
from app.policies.base import describe
from app.schemas.common import Health, PolicyOut

router = APIRouter(tags=["public"])


@router.get("/healthz", response_model=Health)
def healthz(runtime: RuntimeDep) -> Health:
    with runtime.db.read() as store:
        store.session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return Health(status="ok", database=runtime.db.engine.dialect.name, policy=runtime.policy.name)


@router.get("/policy", response_model=PolicyOut)
def policy(runtime: RuntimeDep) -> PolicyOut:
    return PolicyOut.model_validate(describe(runtime.policy))
