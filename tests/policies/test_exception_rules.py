"""The gate's exception rules where the API offers no path: release_clip called directly on an
unapproved emergency request, or with a legal basis for a subpoena, must refuse."""

from __future__ import annotations

from uuid import UUID

import pytest
from fastapi import FastAPI

from app.policies import StandardPolicy
from app.workflow.context import SYSTEM, Ctx
from app.workflow.gate import release_clip
from app.workflow.states import ReleaseBasis
from tests.factories import World
from tests.policies.helpers import policy_with, resident_with

ON = policy_with(emergency_disclosure=True, warrants=True, subpoenas=True)


def gate(app: FastAPI, clip_id: UUID, request_id: str, basis: ReleaseBasis) -> str:
    def step(ctx: Ctx) -> str:
        release, decision = release_clip(
            ctx, SYSTEM, clip_id=clip_id, request_id=UUID(request_id), basis=basis
        )
        assert release is None
        return decision.code

    code: str = app.state.runtime.write(step)
    return code


def filed(world: World, **extra: object) -> str:
    body = world.request_body()
    body.update(justification="reference", **extra)
    agency = world.agency()
    answer = world.ok("POST", "/portal/exception-requests", agency.headers, json=body)
    return str(answer["id"])


@pytest.mark.parametrize("policy", [ON], ids=["exceptions-on"])
def test_unapproved_exception_is_refused_by_the_gate(world: World, policy: StandardPolicy) -> None:
    dana = resident_with(world, encrypted=False)
    request_id = filed(world, kind="emergency")
    code = gate(world.app, dana.clips[0], request_id, ReleaseBasis.EMERGENCY)
    assert code == "exception_not_approved"
    # The wrong basis for the request's kind is refused as well.
    assert gate(world.app, dana.clips[0], request_id, ReleaseBasis.LEGAL) == "exception_not_allowed"
    assert world.ok("GET", "/audit/releases", world.auditor)["count"] == 0


@pytest.mark.parametrize("policy", [ON], ids=["exceptions-on"])
def test_a_subpoena_never_releases_content_even_approved(
    world: World, policy: StandardPolicy
) -> None:
    dana = resident_with(world, encrypted=False)
    request_id = filed(world, kind="legal", legal_process="subpoena")
    world.ok(
        "POST",
        f"/operator/requests/{request_id}/exception",
        world.operator,
        json={"justification": "ok"},
    )
    code = gate(world.app, dana.clips[0], request_id, ReleaseBasis.LEGAL)
    assert code == "exception_not_allowed"
    assert world.ok("GET", "/audit/releases", world.auditor)["count"] == 0
