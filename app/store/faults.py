"""What a database error means for the caller: retry the whole transaction, or answer 503.

Only the shell (app/runtime.py) uses this; the workflow never sees a database error.
Sources: PostgreSQL error codes (Appendix A of its manual): class 40 "transaction rollback"
(40001 serialization_failure, 40P01 deadlock_detected), 55P03 lock_not_available, class 08
"connection exception", 57P01-57P03 (the server shutting down or starting), 57014
query_canceled and 25P03 idle_in_transaction_session_timeout (the server's side of the bound,
app/store/bounds.py). SQLite reports a lock that outlasted its busy timeout as "database is
locked" (SQLITE_BUSY).
"""

from __future__ import annotations

from enum import StrEnum

import psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.store.bounds import DatabaseTimeout


class Fault(StrEnum):
    RETRY = "retry"  # the transaction was rolled back by a conflict: running it again is safe
    UNAVAILABLE = "unavailable"  # no usable connection: answer 503
    OTHER = "other"  # a bug or a constraint: let it surface


RETRY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
# The server ended a statement (statement_timeout) or a session (idle in a transaction) that
# outlasted the bound: from the caller's side, the database did not answer in time.
TIMEOUT_SQLSTATES = frozenset({"57014", "25P03"})
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"}) | TIMEOUT_SQLSTATES
SQLITE_RETRY = ("database is locked", "database table is locked", "database is busy")
SQLITE_UNAVAILABLE = ("unable to open database file", "disk i/o error")


def classify(exc: BaseException) -> Fault:
    if isinstance(exc, PoolTimeout):
        return Fault.UNAVAILABLE
    if not isinstance(exc, DBAPIError):
        return Fault.OTHER
    if exc.connection_invalidated:
        return Fault.UNAVAILABLE
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        if sqlstate in RETRY_SQLSTATES:
            return Fault.RETRY
        if sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES:
            return Fault.UNAVAILABLE
        return Fault.OTHER
    message = str(orig).lower()
    if any(m in message for m in SQLITE_RETRY):
        return Fault.RETRY
    if any(m in message for m in SQLITE_UNAVAILABLE):
        return Fault.UNAVAILABLE
    # psycopg raises OperationalError with no SQLSTATE when it cannot connect at all or the
    # server closed the connection; InterfaceError when the connection is already closed.
    # Subclasses count too: a connect that outlasts `connect_timeout` is ConnectionTimeout,
    # which a match on the class's name let through as a 500.
    if isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError):
        return Fault.UNAVAILABLE
    return Fault.OTHER


def timed_out(exc: BaseException) -> bool:
    """True when the database did not answer within the bound: an answer on an open connection
    (our side or the server's), or a new connection."""
    orig = getattr(exc, "orig", None)
    if isinstance(orig, DatabaseTimeout | psycopg.errors.ConnectionTimeout):
        return True
    return getattr(orig, "sqlstate", None) in TIMEOUT_SQLSTATES
