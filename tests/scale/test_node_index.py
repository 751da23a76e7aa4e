"""Reading Merkle nodes uses the primary key, not a scan of every node.

The store read them with `(level, idx) IN ((...), ...)`, which SQLite answers by scanning the
whole table: every audit append that reads two or more left siblings (a quarter of them) read
every node, so writes slowed as the log grew (a served simulated year of 329,000 entries: 80-105
ms at the 90th percentile of POST /operator/residents, against 10-18 ms; docs/performance.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.config import Settings
from app.db import Database
from app.workflow import merkle
from tests.scale.plans import query_plans, recorded_statements

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
        nodes = recorded_statements(db, lambda sql: "audit_node" in sql)
        with nodes as statements, db.write() as store:
            found = store.merkle_nodes(keys)
        assert set(found) == {k for k in keys if k[0] == 0 or (k[0] == 1 + k[1] % 12)}
        assert statements
        scan = "Seq Scan" if db.engine.dialect.name == "postgresql" else "SCAN audit_node"
        for plan in query_plans(db, statements):
            assert scan not in plan, plan
    finally:
        db.dispose()
