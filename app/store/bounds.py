"""How long the service waits on the database: one bound, `CONSENTGATE_DB_TIMEOUT_SECONDS`.

A PostgreSQL server that stops answering mid-session (hung, or a stalled proxy or NAT between
us) used to hold the request, the timer and the CLI forever: libpq waits for an answer without
limit. TCP does not notice either: the peer's kernel (the proxy's, or a hung server's) still
acknowledges what we send and answers keepalive probes, so libpq's `keepalives_*` and
`tcp_user_timeout` never fire (tests/scale/test_freeze.py shows it). Only the client can bound
its own wait, so `BoundedConnection` waits at most the bound for each answer (a ping, a
statement, the COMMIT), then closes the connection: SQLAlchemy sees a disconnect, drops it
from the pool, and the call becomes a 503. The server is told the same bound
(`statement_timeout`, `idle_in_transaction_session_timeout`), so a session whose client gave
up mid-transaction ends there too and lets go of the writers' lock, even when the network never
tells the server that the client left.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.abc import RV, PQGen
from sqlalchemy import Connection, text

DEFAULT_TIMEOUT_S = 10.0
# How long a writer waits for the write lock (then the attempt fails and is retried), at most.
LOCK_TIMEOUT_MS = 10_000
# How long opening a PostgreSQL connection may take, at most. libpq waits forever by default: a
# server that accepts the connection but never answers held start-up and every request that
# needed a new connection. A `connect_timeout` in the URL's query wins.
CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class Bounds:
    """Every wait on the database, derived from the one bound the operator sets."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    lock_cap_ms: int = LOCK_TIMEOUT_MS
    connect_cap_s: int = CONNECT_TIMEOUT_S

    @property
    def lock_wait_ms(self) -> int:
        # Half the bound at most: a writer queued behind a long transaction fails as
        # lock_not_available (retried, then 503 database_busy) well before the bound would
        # take it for a database that stopped answering.
        return max(1, min(self.lock_cap_ms, int(self.timeout_s * 500)))

    @property
    def connect_s(self) -> int:
        # Whole seconds (libpq's unit); psycopg waits at least 2 s whatever it is told.
        return max(1, min(self.connect_cap_s, math.ceil(self.timeout_s)))

    @property
    def timeout_ms(self) -> int:
        return max(1, int(self.timeout_s * 1000))


class DatabaseTimeout(psycopg.OperationalError):
    """The server did not answer within the bound; the connection was closed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the database did not answer within {seconds:g} s")
        self.seconds = seconds


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection that waits at most `answer_timeout_s` for each answer."""

    answer_timeout_s: float | None = None

    def wait(
        self, gen: PQGen[RV], interval: float | None = None, timeout: float | None = None
    ) -> RV:
        given: dict[str, Any] = {} if interval is None else {"interval": interval}
        bound = self.answer_timeout_s
        if timeout is not None or bound is None:
            return super().wait(gen, timeout=timeout, **given)
        try:
            return super().wait(gen, timeout=bound, **given)
        except psycopg.errors._WaitTimeout:
            # psycopg's own (private) signal that the wait ran out. The connection is mid-query
            # and in an unknown state: close it, as psycopg does after a cancel that failed.
            self.pgconn.finish()
            raise DatabaseTimeout(bound) from None


def connect(bounds: Bounds, cargs: Any, cparams: dict[str, Any]) -> BoundedConnection:
    """A new connection for the engine's pool (its `do_connect` event)."""
    connection = BoundedConnection.connect(*cargs, **cparams)
    connection.answer_timeout_s = bounds.timeout_s
    return connection


def server_settings(bounds: Bounds) -> list[str]:
    """What each new PostgreSQL session is told (it applies them to itself alone)."""
    return [
        # A writer waits at most this long for the writers' lock (like SQLite's busy timeout),
        # then fails with lock_not_available, which the runtime retries and then answers 503:
        # a stuck transaction must not hang every request behind it.
        f"SET lock_timeout = {bounds.lock_wait_ms}",
        # The server stops a statement whose client has given up waiting for it ...
        f"SET statement_timeout = {bounds.timeout_ms}",
        # ... and ends a session left inside a transaction by a client that went silent,
        # releasing its locks: otherwise a frozen client could hold the writers' lock until
        # the server's TCP keepalive (two hours by default) noticed.
        f"SET idle_in_transaction_session_timeout = {bounds.timeout_ms}",
    ]


@contextmanager
def unbounded(connection: Connection) -> Iterator[None]:
    """No bound for the rest of this transaction: a migration may rightly run for minutes on a
    large table (start-up waits for it), and a bound would fail every start after the first."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.execute(text("SET LOCAL statement_timeout = 0"))
    connection.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
    raw = connection.connection.dbapi_connection
    if not isinstance(raw, BoundedConnection):  # an engine not made by app/db.py
        yield
        return
    before, raw.answer_timeout_s = raw.answer_timeout_s, None
    try:
        yield
    finally:
        raw.answer_timeout_s = before
