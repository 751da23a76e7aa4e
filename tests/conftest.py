"""Each test gets its own fresh database and a simulated clock; data comes from factories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.clock import SimulatedClock
from app.config import Settings
from app.endpoint_caches import forget_endpoint_callables
from app.main import create_app
from app.policies import Policy
from app.store.scratch_schema import ScratchSchema
from tests.factories import World

# pytest imports readline (_pytest/capture.py), and GNU readline exports COLUMNS and LINES (80
# and 24 without a terminal) into the process's own environment, where os.environ never sees
# them but child processes do: pytest-xdist's workers started with COLUMNS=80, so every
# module-level rich Console was fixed at 80 columns and a test's own COLUMNS=250 was ignored.
# What the user did not set is dropped again before the workers start.
for _name in ("COLUMNS", "LINES"):
    if _name not in os.environ:
        os.unsetenv(_name)

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TEST_SECRET = "test-secret-" + "x" * 40


@pytest.fixture(autouse=True)
def _forget_apps() -> Iterator[None]:
    """Each test's apps end with the test (see forget_endpoint_callables)."""
    yield
    forget_endpoint_callables()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


# Set by `make test` for its second pass, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test
PG_URL = os.environ.get("CONSENTGATE_TEST_PG_URL", "")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str | None]:
    """SQLite: a fresh file per test. PostgreSQL: a fresh schema per test, dropped after."""
    if not PG_URL:
        yield None
        return
    with ScratchSchema(PG_URL, "t") as schema:
        yield schema.url


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(
        env="test",
        db_path=tmp_path / "test.db",
        database_url=database_url,
        secret=TEST_SECRET,
        secret_file=tmp_path / "secret.key",
        # No background timer: a test's releases happen when the test ticks (the timer itself is
        # covered by tests/api/test_ticker.py).
        tick_seconds=0,
    )


@pytest.fixture
def policy() -> Policy | None:
    """The policy in force; None is the configured default. Override per module."""
    return None


@pytest.fixture
def app(settings: Settings, clock: SimulatedClock, policy: Policy | None) -> Iterator[FastAPI]:
    application = create_app(settings, clock=clock, policy=policy)
    yield application
    application.state.runtime.db.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def world(client: TestClient, app: FastAPI, clock: SimulatedClock) -> World:
    return World(client, app, clock)


@pytest.fixture
def db_cli_args(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What a command needs to read the test's database, as `consentgate audit ...` and
    `consentgate report ...` are run: the secret file in the environment, and `--db` on SQLite;
    on the PostgreSQL pass the URL names the database (DATABASE_URL), not --db."""
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(settings.secret_path()))
    if settings.database_url:
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
        return []
    return ["--db", str(settings.db_path)]
