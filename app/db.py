"""Engines and transactions. SQLite: WAL, foreign keys, and BEGIN IMMEDIATE for writers.
Every wait on the database is bounded by CONSENTGATE_DB_TIMEOUT_SECONDS (app/store/bounds.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlmodel import Session

from app.files import create_private
from app.store import bounds as _bounds
from app.store import tables as _tables  # noqa: F401  (registers the tables)
from app.store.bounds import CONNECT_TIMEOUT_S, DEFAULT_TIMEOUT_S, LOCK_TIMEOUT_MS, Bounds
from app.store.schema import check_schema_current, upgrade_schema
from app.store.sql import AUDIT_LOCK_KEY, WRITER_LOCK, SqlStore


def make_engine(
    url: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    connect_timeout_s: int = CONNECT_TIMEOUT_S,
) -> Engine:
    """An engine whose every wait on the database is bounded (app/store/bounds.py)."""
    bounds = Bounds(timeout_s, lock_cap_ms=lock_timeout_ms, connect_cap_s=connect_timeout_s)
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _create_private(Path(path))
        # pysqlite's `timeout` is the busy wait while the connection is set up (the WAL pragma);
        # the busy_timeout pragma below takes over for everything after.
        connect = {"check_same_thread": False, "timeout": bounds.lock_wait_ms / 1000}
        engine = create_engine(url, connect_args=connect)
        _configure_sqlite(engine, bounds.lock_wait_ms)
        return engine
    # connect_args would override the URL's own value, so give ours only when it has none.
    given = "connect_timeout" in make_url(url).query
    connect_args = {} if given else {"connect_timeout": bounds.connect_s}
    # pool_timeout: a call waiting for a pooled connection (all of them busy, e.g. each waiting
    # on a database that stopped answering) gives up after the bound too.
    engine = create_engine(
        url, pool_pre_ping=True, pool_timeout=bounds.timeout_s, connect_args=connect_args
    )
    _configure_postgres(engine, bounds)
    return engine


def _create_private(path: Path) -> None:
    """Create a new SQLite file 0600 before SQLite does (under the umask: 0644), so that other
    users of the machine cannot read residents' names, contacts, camera locations and clips.
    SQLite gives the -wal and -shm files the database file's mode. An existing file is left
    as it is (its owner chose its mode)."""
    if path.name.startswith("file:") or "?" in path.name:
        return  # a URI filename: SQLite's business
    with contextlib.suppress(FileExistsError):
        create_private(path, "")


def _configure_sqlite(engine: Engine, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the database's write lock up front, so the release gate's reads and
        # its write happen with no concurrent withdrawal in between (DESIGN.md, property 1).
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _configure_postgres(engine: Engine, bounds: Bounds) -> None:
    @event.listens_for(engine, "do_connect")
    def _on_do_connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        return _bounds.connect(bounds, cargs, cparams)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            for statement in _bounds.server_settings(bounds):
                cursor.execute(statement)
        dbapi_connection.commit()


def create_schema(engine: Engine) -> str:
    """Create or upgrade the schema through the migrations (app/store/schema.py)."""
    return upgrade_schema(engine)


class Database:
    """The engine plus the two kinds of transaction the service uses."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        lock_timeout_ms: int = LOCK_TIMEOUT_MS,
        connect_timeout_s: int = CONNECT_TIMEOUT_S,
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.engine = make_engine(
            url,
            timeout_s=timeout_s,
            lock_timeout_ms=lock_timeout_ms,
            connect_timeout_s=connect_timeout_s,
        )
        self._reader = (
            self.engine.execution_options(sqlite_begin="DEFERRED")
            if self.engine.dialect.name == "sqlite"
            else self.engine
        )

    def create_schema(self) -> str:
        return create_schema(self.engine)

    def check_schema(self) -> None:
        check_schema_current(self.engine)

    @contextmanager
    def write(self) -> Iterator[SqlStore]:
        """One service call, one transaction: commit on success, roll back on any error."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            if self.engine.dialect.name == "postgresql":
                # Writers take one transaction-scoped lock first, as BEGIN IMMEDIATE does on
                # SQLite. Every write appends to the one hash chain, so writers serialise at
                # the audit append anyway; taking the lock at the start makes each
                # read-decide-write atomic (the race tests in tests/scale/ showed a withdrawal
                # undone, a request filed after its partnership ended and a cap exceeded under
                # READ COMMITTED without it) and gives every writer the same lock order, so
                # writers cannot deadlock one another.
                session.execute(WRITER_LOCK, {"key": AUDIT_LOCK_KEY})
            store = SqlStore(session)
            yield store
            store.flush()  # the audit entries and Merkle nodes it holds back, before the commit

    @contextmanager
    def read(self) -> Iterator[SqlStore]:
        with Session(self._reader, expire_on_commit=False) as session, session.begin():
            yield SqlStore(session)

    def dispose(self) -> None:
        self.engine.dispose()
