"""The statements a store call runs, and the database's plans for them: for the tests that a
lookup is answered from an index (test_node_index.py, test_lookup_indexes.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from app.db import Database

Statement = tuple[str, Any]  # the SQL as sent, and its parameters


@contextmanager
def recorded_statements(db: Database, wanted: Callable[[str], bool]) -> Iterator[list[Statement]]:
    """The statements sent on `db`'s engine inside the block that `wanted` picks."""
    statements: list[Statement] = []

    def seen(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if wanted(statement):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def query_plans(db: Database, statements: list[Statement]) -> list[str]:
    """Each statement's plan as one text: PostgreSQL's EXPLAIN, SQLite's EXPLAIN QUERY PLAN."""
    explain = "EXPLAIN" if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
    with db.engine.connect() as connection:
        return [
            str(connection.exec_driver_sql(f"{explain} {sql}", params).all())
            for sql, params in statements
        ]
