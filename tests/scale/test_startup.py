"""Start-up against a database the service must not use: one at a revision this code does not
know, one it cannot reach, one that accepts connections and never answers, a URL it cannot
use. Each is refused in words (the CLI: exit 2, no traceback), and nothing is changed."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from app.cli import cli, main
from app.config import Settings
from app.db import Database
from app.runtime import Runtime
from app.store.faults import Fault, classify
from app.store.schema import (
    DatabaseUnreachable,
    SchemaAhead,
    current_revision,
    head_revision,
)

FUTURE = "9999_from_a_newer_version"


def _run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    """`consentgate ARGS` as the installed script runs it (app.cli:main)."""
    monkeypatch.setattr(sys, "argv", ["consentgate", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), captured.out + captured.err


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CONSENTGATE_DATABASE_URL", raising=False)
    return tmp_path


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def _stamp_future(settings: Settings) -> set[str]:
    """A database at head, then marked as migrated by a newer version; returns its tables."""
    db = Database(settings.url())
    try:
        db.create_schema()
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
            return set(inspect(connection).get_table_names())
    finally:
        db.dispose()


def _revision_and_tables(settings: Settings) -> tuple[str | None, set[str]]:
    db = Database(settings.url())
    try:
        with db.engine.connect() as connection:
            return current_revision(connection), set(inspect(connection).get_table_names())
    finally:
        db.dispose()


def test_a_database_ahead_of_the_code_is_refused_by_name(settings: Settings) -> None:
    # Alembic's own answer was a 300-line traceback ending "Can't locate revision".
    tables = _stamp_future(settings)
    with pytest.raises(SchemaAhead) as refused:
        Runtime.build(settings)
    message = str(refused.value)
    assert FUTURE in message and head_revision() in message
    assert f"alembic downgrade {head_revision()}" in message
    assert _revision_and_tables(settings) == (FUTURE, tables)  # nothing touched


def test_the_cli_refuses_a_database_ahead_of_the_code_with_exit_2(
    settings: Settings,
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _stamp_future(settings)
    where = ["--db", str(settings.db_path)]
    if settings.database_url:  # the PostgreSQL pass: the URL names the database, not --db
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
        where = []
    code, output = _run_cli(monkeypatch, capsys, "token", "operator", *where)
    assert code == 2, output
    flat = " ".join(output.split())
    assert flat.startswith("error: database: the database's schema is at revision " + FUTURE)
    assert "Traceback" not in output and "CommandError" not in output


def test_an_unreachable_database_is_named_without_its_password(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql+psycopg://postgres:hunter2@127.0.0.1:{_closed_port()}/nowhere"
    monkeypatch.setenv("DATABASE_URL", url)
    code, output = _run_cli(monkeypatch, capsys, "seed")
    flat = " ".join(output.split())
    assert code == 2, output
    assert flat.startswith("error: database: cannot connect to postgresql+psycopg://postgres:***@")
    assert "refused" in flat.lower()
    assert "hunter2" not in output and "Traceback" not in output
    assert not (cli_env / "var" / "demo.env").exists()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word (a hung server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join()
    for s in (*held, listener):
        s.close()


def _within(seconds: float, call: object) -> BaseException | None:
    """Run `call` on a thread; the exception it raised, failing the test if it is still waiting
    after `seconds` (libpq waits forever by default: without a bound this test would hang)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()  # type: ignore[operator]
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still waiting for the database after {seconds} s"
    return outcome[0]


def test_a_database_that_never_answers_is_given_up_on(silent_server: int) -> None:
    db = Database(
        f"postgresql+psycopg://postgres@127.0.0.1:{silent_server}/silent", connect_timeout_s=1
    )
    try:
        started = time.monotonic()
        raised = _within(15, db.create_schema)
        assert isinstance(raised, DatabaseUnreachable), raised
        assert "timeout" in str(raised) and time.monotonic() - started < 15
    finally:
        db.dispose()


def test_a_connect_timeout_mid_service_is_unavailable_not_a_bug() -> None:
    # A request that needs a new connection while the database hangs gets 503, not a 500.
    timeout = psycopg.errors.ConnectionTimeout("connection timeout expired")
    assert classify(OperationalError("connect", {}, timeout)) is Fault.UNAVAILABLE


def test_the_connect_timeout_in_the_url_wins(silent_server: int) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{silent_server}/silent?connect_timeout=1"
    db = Database(url, connect_timeout_s=600)
    try:
        assert isinstance(_within(15, db.create_schema), DatabaseUnreachable)
    finally:
        db.dispose()


def test_the_prefixed_name_and_the_usual_schemes_reach_postgresql(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CONSENTGATE_DATABASE_URL was ignored, and the service ran on a SQLite file instead.
    monkeypatch.setenv("CONSENTGATE_DATABASE_URL", "postgresql://u:pw@db.example:5432/cg")
    settings = Settings()
    assert settings.url() == "postgresql+psycopg://u:pw@db.example:5432/cg"
    assert settings.display_url() == "postgresql+psycopg://u:***@db.example:5432/cg"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/first")
    assert Settings().url() == "postgresql+psycopg://u@db.example/first"


@pytest.mark.parametrize("url", ["mysql://u:pw@h/d", "postgresql+psycopg2://u:pw@h/d", "nonsense"])
def test_a_database_url_it_cannot_use_is_refused_by_name(
    url: str,
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    code, output = _run_cli(monkeypatch, capsys, "token", "operator")
    assert code == 2, output
    assert output.startswith("error: DATABASE_URL: ") and "postgresql+psycopg://" in output
    assert "pw@" not in output and "Traceback" not in output


def test_serve_prints_the_database_without_its_password(
    settings: Settings, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `serve` printed DATABASE_URL as given, password and all, to the terminal and its logs.
    if not settings.database_url:
        pytest.skip("a SQLite path has no password; PostgreSQL pass only")
    with_password = settings.database_url.replace("://postgres@", "://postgres:hunter2@")
    assert "hunter2" in with_password  # trust authentication ignores it
    monkeypatch.setenv("DATABASE_URL", with_password)
    served: list[FastAPI] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: served.append(app))
    result = CliRunner().invoke(cli, ["serve", "--tick-seconds", "0"])
    for app in served:
        app.state.runtime.db.dispose()  # its pooled connection, closed now rather than at exit
    assert result.exit_code == 0, result.output
    assert "postgresql+psycopg://postgres:***@" in result.output
    assert "hunter2" not in result.output
