"""Schemathesis against the OpenAPI document, in process (OWASP API8/API9 hygiene).

Every operation is fuzzed with the token of the role the allow-list names for it (positive and
negative data), then a stateful run chains operations through the links schemathesis infers
(create an agency, set its partnership, ...). Schemathesis's default checks apply: no server
error, status codes and content types as documented, bodies conforming to their schemas.
Bounded and derandomised so CI stays fast and repeatable; SQLite pass only (the PostgreSQL pass
runs the same code against another store, which the rest of the suite already covers).
"""

from __future__ import annotations

import os
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.stateful.state_machine import APIStateMachine
from schemathesis.specs.openapi import checks

from app import access
from app.access import ALLOW_LIST, ANYONE, route_key
from app.workflow.states import Role
from tests.factories import World

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("CONSENTGATE_TEST_PG_URL")),
    reason="the API fuzz runs in the SQLite pass only (bounded CI time)",
)

# Workflow rules refuse schema-valid input with 422 by design (an area outside the policy's
# bounds, an agency token without a subject): rules that depend on the policy in force and on
# stored state, which no schema can express. Every other default check applies.
EXCLUDED_CHECKS = [checks.positive_data_acceptance]
EXAMPLES_PER_OPERATION = 8
STATEFUL_EXAMPLES = 10
STATEFUL_STEPS = 8


def fuzz_settings(examples: int, steps: int = 50) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=True,  # the same cases on every run: a failure reproduces
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


class Credentials:
    """A bearer token per role, each naming a subject that exists (a partnered agency, ...)."""

    def __init__(self, world: World) -> None:
        agency = world.agency(name="Fuzz PD")
        resident = world.resident(name="Fuzz Resident")
        world.file(agency)
        self.by_role = {
            Role.OPERATOR: world.operator,
            Role.AGENCY: agency.headers,
            Role.RESIDENT: resident.headers,
            Role.AUDITOR: world.auditor,
        }

    def for_operation(self, method: str, path: str) -> dict[str, str]:
        audience = ALLOW_LIST.get(route_key(method, path))
        if audience is None or audience == ANYONE or isinstance(audience, str):
            return {}
        return self.by_role[sorted(audience)[0]]


def drops_authorization(case: Any) -> bool:
    """A negative case whose point is a missing Authorization header (the bearer scheme makes it
    a required header): the harness must not add the token back, or the API rightly answers 200
    to a request that is no longer negative and schemathesis reports it as accepted."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    mutations = getattr(meta.phase.data, "mutations", None) or ()
    return any(
        m.parameter_location == ParameterLocation.HEADER
        and "authorization" in f"{m.parameter} {m.original_value}".lower()
        for m in mutations
    )


def auth_for(case: Any, headers: dict[str, str]) -> dict[str, str]:
    return {} if drops_authorization(case) else headers


def fuzz_operation(operation: Any, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @fuzz_settings(EXAMPLES_PER_OPERATION)
    def run(case: Any) -> None:
        case.call_and_validate(headers=auth_for(case, headers), excluded_checks=EXCLUDED_CHECKS)

    run()


@pytest.fixture
def schema(world: World) -> Any:
    # Generous edge limits: the fuzzer is not a dragnet, and a 429 would hide the route's code.
    limiter = world.app.state.edge_limiter
    for name, rule in list(limiter.rules.items()):
        limiter.rules[name] = type(rule)(name, 1_000_000, rule.per)
    return schemathesis.openapi.from_asgi("/openapi.json", world.app)


def test_every_operation_with_its_role(world: World, schema: Any) -> None:
    credentials = Credentials(world)
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        headers = credentials.for_operation(operation.method.upper(), operation.path)
        fuzz_operation(operation, headers)
        tested.append(operation.label)
    # Every listed API route was fuzzed; web pages (outside the OpenAPI document) are tested in
    # tests/web.
    assert len(tested) >= len(access.api_allow_list())


def test_stateful_sequences(world: World, schema: Any) -> None:
    credentials = Credentials(world)
    base: type[APIStateMachine] = schema.as_state_machine()
    # Links inferred from the schema chain the workflow (agency -> partnership, request -> share)
    assert schema.statistic.transitions.total >= 10

    class Workflow(base):  # type: ignore[valid-type, misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            headers = credentials.for_operation(case.method.upper(), case.path)
            return {"headers": auth_for(case, headers)}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(
                response, excluded_checks=EXCLUDED_CHECKS, transport_kwargs=kwargs or None
            )

    Workflow.run(settings=fuzz_settings(STATEFUL_EXAMPLES, STATEFUL_STEPS))


def test_fuzzing_finds_a_planted_server_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness is not blind: a route that fails on one input in seven is caught."""
    app = world.app

    @app.get("/healthz/planted")
    def planted(n: int = 0) -> dict[str, int]:
        return {"n": 100 // (n % 7)}

    monkeypatch.setattr(access, "ALLOW_LIST", {**access.ALLOW_LIST, "GET /healthz/planted": ANYONE})
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)["/healthz/planted"]["GET"]
    # In process the server's exception surfaces as itself (over HTTP it would be a 500).
    with pytest.raises(ZeroDivisionError):
        fuzz_operation(operation, {})
