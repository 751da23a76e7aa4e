"""Database faults answer 503 with a stable code and lose nothing committed; conflicts are
retried a bounded number of times first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import runtime as runtime_module
from app.clock import SimulatedClock
from app.config import Settings
from app.db import Database
from app.main import create_app
from app.runtime import MAX_ATTEMPTS
from app.workflow import operator
from app.workflow.errors import DatabaseBusy, DatabaseUnavailable
from app.workflow.records import Resident
from tests.conftest import PG_URL
from tests.factories import World
from tests.scale.proxy import CuttableProxy
from tests.scale.races import OPERATOR

RESIDENT = {"name": "Fault Test", "contact": "fault@example.org"}


class FakeDriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"simulated {sqlstate}")
        self.sqlstate = sqlstate


def _conflict(sqlstate: str) -> OperationalError:
    return OperationalError("COMMIT", {}, FakeDriverError(sqlstate))


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime_module, "FIRST_PAUSE_S", 0.0)


@pytest.mark.parametrize("sqlstate", ["40001", "40P01", "55P03"])
def test_a_conflict_is_retried_then_succeeds(world: World, no_pause: None, sqlstate: str) -> None:
    runtime = world.app.state.runtime
    calls: list[int] = []

    def step(ctx: Any) -> Resident:
        resident = operator.create_resident(ctx, OPERATOR, name="R", contact="r@example.org")
        calls.append(1)
        if len(calls) < MAX_ATTEMPTS:
            raise _conflict(sqlstate)  # rolled back, resident and audit entry included
        return resident

    made = runtime.write(step)
    assert len(calls) == MAX_ATTEMPTS
    stored = runtime.read(lambda ctx: ctx.store.find(Resident))
    assert [r.id for r in stored] == [made.id]  # the failed attempts left nothing behind
    entries = runtime.read(lambda ctx: ctx.store.audit_entries(0, 100))
    assert [e.subject_id for e in entries] == [str(made.id)]


def test_a_conflict_that_persists_gives_up_after_the_bound(world: World, no_pause: None) -> None:
    runtime = world.app.state.runtime
    calls: list[int] = []

    def step(ctx: Any) -> None:
        calls.append(1)
        raise _conflict("40P01")

    with pytest.raises(DatabaseBusy) as raised:
        runtime.write(step)
    assert len(calls) == MAX_ATTEMPTS
    assert raised.value.code == "database_busy"


def test_an_unrelated_database_error_is_not_retried(world: World) -> None:
    runtime = world.app.state.runtime
    calls: list[int] = []

    def step(ctx: Any) -> None:
        calls.append(1)
        raise _conflict("23505")  # unique_violation: a bug or a constraint, not a conflict

    with pytest.raises(OperationalError):
        runtime.write(step)
    assert calls == [1]


def test_a_write_lock_held_elsewhere_answers_503_then_recovers(
    world: World, writers_lock: Any, no_pause: None, settings: Settings
) -> None:
    runtime = world.app.state.runtime
    runtime.db.dispose()
    runtime.db = Database(settings.url(), lock_timeout_ms=50)
    outside = writers_lock()
    response = world.client.post("/operator/residents", headers=world.operator, json=RESIDENT)
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["code"] == "database_busy" and "busy" in body["detail"]
    assert response.headers["Retry-After"] == "1"
    outside.close()  # the stuck transaction ends
    ok = world.client.post("/operator/residents", headers=world.operator, json=RESIDENT)
    assert ok.status_code == 201, ok.text
    stored = runtime.read(lambda ctx: ctx.store.find(Resident))
    assert [str(r.id) for r in stored] == [ok.json()["id"]]  # the refused call wrote nothing


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set CONSENTGATE_TEST_PG_URL (make test)")
def test_a_lost_connection_answers_503_and_keeps_what_was_committed(
    settings: Settings, clock: SimulatedClock
) -> None:
    proxy = CuttableProxy(("127.0.0.1", urlsplit(PG_URL).port or 5432))
    assert settings.database_url is not None
    through = settings.model_copy(update={"database_url": proxy.via(settings.database_url)})
    app = create_app(through, clock=clock)
    world = World(TestClient(app), app, clock)
    try:
        kept = world.ok("POST", "/operator/residents", world.operator, json=RESIDENT)
        proxy.cut()
        for method, url in (
            ("POST", "/operator/residents"),
            ("GET", "/audit/verify"),
            ("GET", "/healthz"),
        ):
            headers = world.operator if method == "POST" else world.auditor
            response = world.client.request(method, url, headers=headers, json=RESIDENT)
            assert response.status_code == 503, response.text
            assert response.json()["code"] == "database_unavailable"
            assert "unreachable" in response.json()["detail"]
        proxy.restore()
        again = world.ok("POST", "/operator/residents", world.operator, json=RESIDENT)
        stored = app.state.runtime.read(lambda ctx: ctx.store.find(Resident))
        assert sorted(str(r.id) for r in stored) == sorted([kept["id"], again["id"]])
        assert world.ok("GET", "/audit/verify", world.auditor)["ok"] is True
    finally:
        app.state.runtime.db.dispose()
        proxy.close()


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set CONSENTGATE_TEST_PG_URL (make test)")
def test_a_connection_killed_mid_transaction_commits_nothing(world: World) -> None:
    runtime = world.app.state.runtime

    def step(ctx: Any) -> None:
        operator.create_resident(ctx, OPERATOR, name="Lost", contact="lost@example.org")
        ctx.store.session.flush()
        ctx.store.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    with pytest.raises(DatabaseUnavailable) as raised:
        runtime.write(step)
    assert raised.value.code == "database_unavailable"
    assert runtime.read(lambda ctx: ctx.store.find(Resident)) == []
    assert runtime.read(lambda ctx: ctx.store.audit_entries(0, 10)) == []
