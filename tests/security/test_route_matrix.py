"""Every route x every caller, derived from the OpenAPI document, against app/access.py.

Callers: each role with a valid token, no token, and forged tokens. A route missing from the
allow-list fails with the exact lines to add; anyone the allow-list does not name must be
refused (401 without a valid token, 403 `wrong_role` with one), never answered 2xx; everyone it
names must get past authorisation (neither 401 nor 403).
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from app.access import ALLOW_LIST, ANYONE, api_allow_list, api_route_keys, route_key
from app.main import create_app
from app.workflow.states import Role
from tests.factories import World
from tests.security.forgery import fill_path, forged_tokens, operations

FORGED_FOR_MATRIX = ("alg-none", "wrong-key", "expired", "resident-edited-to-operator", "jwe")


GUESS_BY_PREFIX = {
    "/operator": "OPERATOR",
    "/portal": "AGENCY",
    "/me": "RESIDENT",
    "/audit": "AUDITOR",
    "/reports": "AUDITOR",
}


def _missing_lines(keys: list[str]) -> str:
    """The entries to paste into ALLOW_LIST, the audience guessed from the path's prefix."""
    lines = []
    for key in keys:
        path = key.split(" ", 1)[1]
        guess = next((v for p, v in GUESS_BY_PREFIX.items() if path.startswith(p)), "ANYONE")
        lines.append(f'    "{key}": {guess},')
    return (
        "\n".join(lines) + "\n(audiences: ANYONE, OPERATOR, AGENCY, RESIDENT, AUDITOR, or a "
        "union such as OPERATOR | AUDITOR; check each guess)"
    )


def test_every_route_is_in_the_allow_list(world: World) -> None:
    documented = [route_key(m, p) for m, p, _ in operations(world.app.openapi())]
    declared = api_route_keys(world.app)
    assert "GET /portal/map" in declared
    missing = sorted({k for k in documented + declared if k not in ALLOW_LIST})
    assert not missing, (
        "Routes missing from ALLOW_LIST in app/access.py (they answer 403 to everyone until "
        "listed). Add, choosing the audience:\n" + _missing_lines(missing)
    )
    stale = sorted(set(ALLOW_LIST) - set(declared))
    assert not stale, f"ALLOW_LIST names routes that do not exist; remove: {stale}"


def test_every_caller_against_every_route(world: World) -> None:
    agency = world.agency()  # partnered: the portal is open to it, so only roles decide
    resident = world.resident()
    runtime = world.app.state.runtime
    callers: dict[str, dict[str, str]] = {
        "no token": {},
        "operator": world.operator,
        "agency": agency.headers,
        "resident": resident.headers,
        "auditor": world.auditor,
    }
    for attack, token in forged_tokens(runtime.tokens, world.clock.now(), uuid4()).items():
        if attack in FORGED_FOR_MATRIX:
            callers[f"forged {attack}"] = {"Authorization": f"Bearer {token}"}
    wrong: list[str] = []
    checked = 0
    for method, path, operation in operations(world.app.openapi()):
        key = route_key(method, path)
        audience = ALLOW_LIST.get(key)
        if audience is None:
            continue  # reported by test_every_route_is_in_the_allow_list
        for caller, headers in callers.items():
            kw: dict[str, Any] = {"json": {}} if "requestBody" in operation else {}
            response = world.client.request(method, fill_path(path), headers=headers, **kw)
            checked += 1
            problem = _judge(audience, caller, response.status_code, _code(response))
            if problem:
                wrong.append(f"{key} as {caller}: {response.status_code} {problem}")
    assert checked >= len(api_allow_list()) * len(callers)
    assert not wrong, "route x caller matrix violations:\n" + "\n".join(wrong)


def _code(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("code", "")) if isinstance(body, dict) else ""


def _judge(audience: object, caller: str, status: int, code: str) -> str:
    if status >= 500:
        return "server error"
    if audience == ANYONE:
        return "public route refused" if status in (401, 403) else ""
    assert isinstance(audience, frozenset)
    if caller == "no token":
        return "" if (status, code) == (401, "not_authenticated") else "expected 401"
    if caller.startswith("forged"):
        return "" if (status, code) == (401, "invalid_token") else "forged token not refused"
    if Role(caller) in audience:
        return "allowed caller refused" if status in (401, 403) else ""
    if 200 <= status < 300:
        return "UNEXPECTED 2xx for a caller the allow-list does not name"
    return "" if (status, code) == (403, "wrong_role") else "expected 403 wrong_role"


def test_an_unlisted_route_is_closed_to_everyone(world: World) -> None:
    """Fail closed: a route someone adds without an allow-list entry answers nobody."""
    app = create_app(world.app.state.runtime.settings, clock=world.clock)
    try:

        @app.get("/operator/unlisted")
        def unlisted() -> dict[str, str]:
            return {"secret": "x"}

        from fastapi.testclient import TestClient

        with TestClient(app) as client:
            for headers in ({}, world.operator, world.auditor):
                response = client.get("/operator/unlisted", headers=headers)
                assert response.status_code == 403
                assert response.json()["code"] == "route_not_in_allow_list"
                assert "app/access.py" in response.json()["detail"]
    finally:
        app.state.runtime.db.dispose()


def test_wrong_role_never_changes_anything(world: World) -> None:
    """A refused role leaves no trace: the operator's write routes leave the log as it was."""
    before = world.ok("GET", "/audit/verify", world.auditor)["size"]
    body = {"name": "X", "jurisdiction": "X", "center_lat": 40, "center_lng": -75, "radius_m": 10}
    for role in (Role.AGENCY, Role.RESIDENT, Role.AUDITOR):
        headers = world.headers(role, uuid4())
        response = world.client.post("/operator/agencies", json=body, headers=headers)
        assert response.status_code == 403
    assert world.ok("GET", "/audit/verify", world.auditor)["size"] == before


def test_other_methods_do_not_bypass_the_guard(world: World) -> None:
    """HEAD, OPTIONS, a method override header or an unlisted verb never reach a handler."""
    for method in ("HEAD", "OPTIONS", "PATCH", "DELETE", "TRACE"):
        response = world.client.request(method, "/operator/agencies")
        assert response.status_code in (401, 405), (method, response.status_code)
    override = {"X-HTTP-Method-Override": "GET", **world.headers(Role.AGENCY, uuid4())}
    response = world.client.post("/operator/agencies", json={}, headers=override)
    assert response.status_code == 403
