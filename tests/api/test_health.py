"""The health check answers HEAD as well as GET: load balancers and uptime checkers send HEAD."""

from __future__ import annotations

from typing import Any

import pytest

from app.workflow.errors import DatabaseUnavailable
from tests.factories import World


def test_head_healthz_answers_200_without_a_body(world: World) -> None:
    """HEAD /healthz answered 405 method_not_allowed: a HEAD health check saw the service down."""
    response = world.client.head("/healthz")
    assert response.status_code == 200, response.text
    assert response.content == b""
    assert world.client.get("/healthz").json()["status"] == "ok"


def test_head_healthz_is_503_when_the_database_is_gone(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def gone(step: Any) -> Any:
        raise DatabaseUnavailable()

    monkeypatch.setattr(world.app.state.runtime, "read", gone)
    for method in ("GET", "HEAD"):
        response = world.client.request(method, "/healthz")
        assert response.status_code == 503, (method, response.text)
        assert response.headers["Retry-After"] == "1"


def test_the_405_for_healthz_names_head(world: World) -> None:
    response = world.client.delete("/healthz")
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD"}
