"""Annotated dependency aliases, so handlers read like plain functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.http_errors import ApiError
from app.runtime import Runtime
from app.security import InvalidToken, decode_token
from app.workflow.context import Actor
from app.workflow.states import Role

_bearer = HTTPBearer(
    auto_error=False, description="A token from `consentgate token` or POST /operator/tokens"
)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_actor(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "not_authenticated", "A bearer token is required.")
    try:
        return decode_token(runtime.tokens, credentials.credentials, now=runtime.clock.now())
    except InvalidToken:
        # One answer for every reason, so a forger learns nothing from the error.
        raise ApiError(401, "invalid_token", "The token is invalid or expired.") from None


CurrentActor = Annotated[Actor, Depends(get_actor)]


def _role(role: Role) -> object:
    def check(actor: CurrentActor) -> Actor:
        if actor.role is not role:
            raise ApiError(403, "wrong_role", f"This route is for the {role.value} role.")
        return actor

    return Depends(check)


OperatorActor = Annotated[Actor, _role(Role.OPERATOR)]
AgencyActor = Annotated[Actor, _role(Role.AGENCY)]
ResidentActor = Annotated[Actor, _role(Role.RESIDENT)]
AuditorActor = Annotated[Actor, _role(Role.AUDITOR)]
