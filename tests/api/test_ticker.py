"""The served app's timer runs `tick` by itself: a release held for a cooling-off period reaches
the agency without anyone calling POST /operator/tick, and a failing tick does not stop it."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import ticker
from app.clock import SimulatedClock
from app.config import Settings
from app.main import create_app
from app.runtime import Runtime
from app.ticker import tick_once
from app.workflow.errors import DatabaseUnavailable
from tests.factories import World
from tests.policies.helpers import policy_with

COOLING = policy_with(cooling_off_minutes=60)
DEADLINE_S = 20.0  # generous: a loaded machine is slow, and the test ends as soon as it sees it


@pytest.fixture
def ticking_app(settings: Settings, clock: SimulatedClock) -> Iterator[FastAPI]:
    application = create_app(
        settings.model_copy(update={"tick_seconds": 0.05}), clock=clock, policy=COOLING
    )
    yield application
    application.state.runtime.db.dispose()


def test_the_timer_releases_a_due_consent_without_a_call(
    ticking_app: FastAPI, clock: SimulatedClock
) -> None:
    with TestClient(ticking_app) as client:  # the context runs the app's lifespan: the timer
        world = World(client, ticking_app, clock)
        agency = world.agency()
        dana = world.resident()
        request = world.file(agency)
        shared = world.share(dana, request["id"], [dana.clips[0]])
        assert shared["released_clip_ids"] == []  # held for the cooling-off hour
        footage_url = f"/portal/requests/{request['id']}/footage"
        clock.advance(timedelta(minutes=61))
        count, waited_until = 0, time.monotonic() + DEADLINE_S
        while count == 0 and time.monotonic() < waited_until:
            time.sleep(0.05)
            count = world.ok("GET", footage_url, agency.headers)["count"]
        assert count == 1, "the timer never released the due clip"
        assert world.ok("GET", "/audit/releases", world.auditor)["count"] == 1


def test_shutdown_waits_for_the_tick_under_way(
    ticking_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller disposes of the engine once the app has shut down (as the fixtures here do): a
    tick still running in its thread then held a pooled connection that was never closed (a
    PostgreSQL ResourceWarning in a later test, seen in CI)."""
    started, finished = threading.Event(), threading.Event()

    def slow_tick(runtime: Runtime) -> None:
        started.set()
        time.sleep(0.5)
        finished.set()

    monkeypatch.setattr(ticker, "tick_once", slow_tick)
    with TestClient(ticking_app):
        assert started.wait(DEADLINE_S), "the timer never ticked"
    assert finished.is_set(), "shutdown returned while a tick was still running"


def test_shutdown_closes_the_pooled_connections(app: FastAPI, clock: SimulatedClock) -> None:
    """A served app ends its database sessions at shutdown; on PostgreSQL the pooled ones were
    otherwise cut when the process exited, logged by the server as dropped connections. (The
    conftest app has no timer: a tick holding the connection could not make the count race.)"""
    pool = app.state.runtime.db.engine.pool
    with TestClient(app) as client:
        World(client, app, clock).resident()  # a write: a pooled connection, returned
        assert pool.checkedin() >= 1
    assert pool.checkedin() == 0, "shutdown left connections open in the pool"


def test_the_timer_is_off_when_set_to_zero(app: FastAPI) -> None:
    # conftest's settings say tick_seconds=0: the lifespan starts no timer task.
    with TestClient(app) as client:
        names = client.portal.call(_task_names)
    assert not any("run_ticks" in name for name in names)


async def _task_names() -> list[str]:
    return [repr(task.get_coro()) for task in asyncio.all_tasks()]


def test_a_failed_tick_is_logged_and_the_timer_goes_on(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    runtime: Runtime = app.state.runtime

    def unavailable(step: object) -> None:
        raise DatabaseUnavailable()

    def broken(step: object) -> None:
        raise RuntimeError("boom")

    caplog.set_level(logging.INFO, logger="consentgate.ticker")
    monkeypatch.setattr(runtime, "write", unavailable)
    assert tick_once(runtime) is None
    monkeypatch.setattr(runtime, "write", broken)
    assert tick_once(runtime) is None
    messages = [r.getMessage() for r in caplog.records]
    assert any("tick skipped" in m for m in messages), messages
    assert any("tick failed" in m for m in messages), messages
    monkeypatch.undo()
    assert tick_once(runtime) is not None  # and the next one runs
