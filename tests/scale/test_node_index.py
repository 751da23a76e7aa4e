"""Reading Merkle nodes uses the primary key, not a scan of every node.

The store read them with `(level, idx) IN ((...), ...)`, which SQLite answers by scanning the
whole table: every audit append that reads two or more left siblings (a quarter of them) read
every node, so writes slowed as the log grew (a served simulated year of 329,000 entries: 80-105
ms at the 90th percentile of POST /operator/residents, against 10-18 ms; docs/performance.md)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text

from app.config import Settings
from app.db import Database
from app.workflow import merkle

NODES = 20_000  # leaves, and as many again above them


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(merkle.append_reads(0b1011), id="an append's left siblings"),
        pytest.param([(0, i) for i in range(4_000, 4_100)] + [(7, 3)], id="a run and a stray"),
    ],
)
def test_node_reads_use_the_primary_key(settings: Settings, keys: list[tuple[int, int]]) -> None:
    db = Database(settings.url())
    try:
        db.create_schema()
        rows = [{"level": 0, "idx": i, "hash": f"{i:064x}"} for i in range(NODES)]
        rows += [{"level": 1 + i % 12, "idx": i, "hash": f"{i:064x}"} for i in range(NODES)]
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO audit_node VALUES (:level, :idx, :hash)"), rows)
            if db.engine.dialect.name == "postgresql":
                connection.exec_driver_sql("ANALYZE audit_node")  # as a served database has
        statements: list[tuple[str, Any]] = []

        def seen(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
            if "audit_node" in statement:
                statements.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            with db.write() as store:
                found = store.merkle_nodes(keys)
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        assert set(found) == {k for k in keys if k[0] == 0 or (k[0] == 1 + k[1] % 12)}
        assert statements
        with db.engine.connect() as connection:
            for statement, parameters in statements:
                if db.engine.dialect.name == "postgresql":
                    plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
                    assert not any("Seq Scan" in str(row) for row in plan), plan
                else:
                    plan = connection.exec_driver_sql(
                        f"EXPLAIN QUERY PLAN {statement}", parameters
                    ).all()
                    assert not any("SCAN audit_node" in str(row) for row in plan), plan
    finally:
        db.dispose()
