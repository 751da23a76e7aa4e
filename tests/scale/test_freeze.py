"""A database that stops answering mid-session: every wait is bounded by
CONSENTGATE_DB_TIMEOUT_SECONDS, the call answers 503 with nothing written, and the service
recovers by itself once the database answers again.

The PostgreSQL tests put a proxy (tests/scale/proxy.py) between the service and the server and
freeze it: no byte is forwarded, no socket is closed, so the kernel keeps acknowledging and TCP
alone never notices. Each waits on a thread with a bound of its own, so that a hang fails the
test instead of hanging the suite.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import cli as cli_module
from app import runtime as runtime_module
from app.cli import main
from app.clock import SimulatedClock
from app.config import Settings
from app.db import Database
from app.main import create_app
from app.runtime import Runtime
from app.store.bounds import DatabaseTimeout, unbounded
from app.ticker import tick_once
from app.workflow import operator
from app.workflow.errors import DatabaseUnavailable
from app.workflow.records import Resident
from tests.conftest import PG_URL
from tests.factories import World
from tests.scale.proxy import CuttableProxy
from tests.scale.races import OPERATOR

T = TypeVar("T")

RESIDENT = {"name": "Freeze Test", "contact": "freeze@example.org"}
BOUND_S = 1.0  # the setting, small so that the tests take seconds
# psycopg waits at least 2 s for a new connection (libpq's floor for connect_timeout): a call
# that starts during the freeze pings its pooled connection (BOUND_S), then tries a new one.
# Plus 3 s for a loaded machine (about 3.5 s in all, measured); unbounded, it waits forever.
SLACK_S = 2.0 + 3.0

# Either side may give up first: the client (its wait) or the server (statement_timeout).
TIMED_OUT = "did not answer within|canceling statement due to statement timeout"

pg_only = pytest.mark.skipif(
    not PG_URL, reason="needs PostgreSQL: set CONSENTGATE_TEST_PG_URL (make test)"
)


def within(seconds: float, call: Callable[[], T]) -> tuple[T, float]:
    """`call`'s result and how long it took, on a thread; fails the test (instead of hanging
    the suite) when it is still waiting after `seconds`."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(("ok", call()))
        except BaseException as exc:
            outcome.append(("raised", exc))

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still waiting for the database after {seconds} s"
    kind, value = outcome[0]
    if kind == "raised":
        raise value
    return value, time.monotonic() - started


@pytest.fixture
def proxy() -> Iterator[CuttableProxy]:
    forwarder = CuttableProxy(("127.0.0.1", urlsplit(PG_URL or "//x:5432").port or 5432))
    yield forwarder
    forwarder.thaw()  # a call a failed test left waiting finishes, and its thread with it
    forwarder.close()


@pytest.fixture
def frozen_world(
    settings: Settings, clock: SimulatedClock, proxy: CuttableProxy
) -> Iterator[World]:
    """The app served through the proxy, with the database timeout at BOUND_S."""
    assert settings.database_url is not None
    through = settings.model_copy(
        update={"database_url": proxy.via(settings.database_url), "db_timeout_seconds": BOUND_S}
    )
    app = create_app(through, clock=clock)
    try:
        yield World(TestClient(app), app, clock)
    finally:
        proxy.thaw()
        app.state.runtime.db.dispose()


@pg_only
def test_a_request_to_a_frozen_database_answers_503_within_the_bound(
    frozen_world: World, proxy: CuttableProxy
) -> None:
    world = frozen_world
    kept = world.ok("POST", "/operator/residents", world.operator, json=RESIDENT)
    proxy.freeze()
    response, took = within(
        BOUND_S + SLACK_S + 5,
        lambda: world.client.post("/operator/residents", headers=world.operator, json=RESIDENT),
    )
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["code"] == "database_unavailable"
    assert f"did not answer within {BOUND_S:g} s" in body["detail"], body
    assert response.headers["Retry-After"] == "1"
    assert took < BOUND_S + SLACK_S, took
    proxy.thaw()
    again = world.ok("POST", "/operator/residents", world.operator, json=RESIDENT)
    stored = world.app.state.runtime.read(lambda ctx: ctx.store.find(Resident))
    assert sorted(str(r.id) for r in stored) == sorted([kept["id"], again["id"]])
    assert world.ok("GET", "/audit/verify", world.auditor)["ok"] is True


@pg_only
def test_a_freeze_mid_transaction_writes_nothing_and_frees_the_writers_lock(
    frozen_world: World, proxy: CuttableProxy, settings: Settings
) -> None:
    runtime: Runtime = frozen_world.app.state.runtime

    def step(ctx: Any) -> None:
        operator.create_resident(ctx, OPERATOR, name="Half", contact="half@example.org")
        ctx.store.session.flush()  # the resident and its audit entry reach the server ...
        proxy.freeze()
        ctx.store.session.execute(text("SELECT 1"))  # ... and then it stops answering

    with pytest.raises(DatabaseUnavailable) as raised:
        within(BOUND_S + 5, lambda: runtime.write(step))
    assert "did not answer within 1 s" in raised.value.detail
    assert isinstance(raised.value.__cause__.orig, DatabaseTimeout)  # type: ignore[union-attr]
    # Still frozen, the server has not heard that the client left; the session it kept, idle
    # in a transaction that holds the writers' lock, ends at the bound and lets go of it, so
    # a writer on another path is served (without it: 503 database_busy until the thaw).
    direct = Database(settings.url(), timeout_s=BOUND_S)
    try:
        written, _ = within(
            BOUND_S + 5,
            lambda: Runtime(
                settings, direct, frozen_world.clock, runtime.policy, runtime.tokens
            ).write(
                lambda ctx: operator.create_resident(
                    ctx, OPERATOR, name="Other", contact="other@example.org"
                )
            ),
        )
        proxy.thaw()
        stored = runtime.read(lambda ctx: ctx.store.find(Resident))
        assert [r.id for r in stored] == [written.id]  # nothing of the frozen call
        entries = runtime.read(lambda ctx: ctx.store.audit_entries(0, 10))
        assert [e.subject_id for e in entries] == [str(written.id)]
    finally:
        direct.dispose()


@pg_only
def test_the_timer_logs_a_tick_on_a_frozen_database_and_ticks_after_the_thaw(
    frozen_world: World, proxy: CuttableProxy, caplog: pytest.LogCaptureFixture
) -> None:
    runtime: Runtime = frozen_world.app.state.runtime
    assert tick_once(runtime) is not None
    proxy.freeze()
    with caplog.at_level(logging.WARNING, logger="consentgate.ticker"):
        skipped, took = within(BOUND_S + SLACK_S + 5, lambda: tick_once(runtime))
    assert skipped is None and took < BOUND_S + SLACK_S, took
    assert "tick skipped, will retry next period" in caplog.text
    assert "did not answer within 1 s" in caplog.text
    proxy.thaw()
    assert tick_once(runtime) is not None  # the timer carries on by itself


@pg_only
def test_the_tick_command_on_a_frozen_database_fails_in_words(
    settings: Settings,
    proxy: CuttableProxy,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
) -> None:
    assert settings.database_url is not None
    Runtime.build(settings).db.dispose()  # the schema, made directly
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("DATABASE_URL", proxy.via(settings.database_url))
    monkeypatch.setenv("CONSENTGATE_DB_TIMEOUT_SECONDS", str(BOUND_S))
    opened = cli_module.open_runtime

    def open_then_freeze(*args: Any) -> Runtime:
        runtime = opened(*args)
        proxy.freeze()  # mid-session: after start-up has checked the schema
        return runtime

    monkeypatch.setattr(cli_module, "open_runtime", open_then_freeze)
    monkeypatch.setattr(sys, "argv", ["consentgate", "tick"])

    def run() -> object:
        with pytest.raises(SystemExit) as exited:
            main()
        return exited.value.code

    code, took = within(BOUND_S + SLACK_S + 5, run)
    output = " ".join(capsys.readouterr().err.split())
    assert code == 1, output
    assert output.startswith("error: database: The database did not answer within 1 s"), output
    assert "Traceback" not in output and took < BOUND_S + SLACK_S


def test_a_write_lock_held_elsewhere_answers_503_within_the_setting(
    settings: Settings,
    clock: SimulatedClock,
    writers_lock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # SQLite's busy timeout and PostgreSQL's lock_timeout both follow the setting: half of it
    # per attempt, MAX_ATTEMPTS attempts (10 s each before, 40 s a call).
    monkeypatch.setattr(runtime_module, "FIRST_PAUSE_S", 0.0)
    app = create_app(settings.model_copy(update={"db_timeout_seconds": 0.4}), clock=clock)
    world = World(TestClient(app), app, clock)
    try:
        outside = writers_lock()
        response, took = within(
            8,
            lambda: world.client.post("/operator/residents", headers=world.operator, json=RESIDENT),
        )
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "database_busy"
        assert took < runtime_module.MAX_ATTEMPTS * 0.2 + 3, took
        outside.close()
        world.ok("POST", "/operator/residents", world.operator, json=RESIDENT)
    finally:
        app.state.runtime.db.dispose()


@pg_only
def test_a_migration_is_not_held_to_the_bound(settings: Settings) -> None:
    # Start-up's migrations (app/store/schema.py) and `alembic upgrade` run unbounded: a long one
    # cut at the bound would fail every start. The bound is back for the next transaction.
    db = Database(settings.url(), timeout_s=0.3)
    slow = text("SELECT pg_sleep(0.6)")
    try:
        with pytest.raises(OperationalError, match=TIMED_OUT), db.engine.begin() as connection:
            connection.execute(slow)
        with db.engine.begin() as connection, unbounded(connection):
            connection.execute(slow)
        with pytest.raises(OperationalError, match=TIMED_OUT), db.engine.begin() as connection:
            connection.execute(slow)
    finally:
        db.dispose()
