"""Lookups the service makes as its tables grow use an index (migration 0005): a notice's
consent history (consent by notice) and the timer's forgetting of expired idempotency keys
scanned their whole table; the transparency report's decision records are read by action.
SQLite's plan is fixed by the schema; PostgreSQL's also by the table's size, so a few rows
tell nothing there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from app.clock import SimulatedClock
from app.config import Settings
from app.db import Database
from app.idempotency import forget_expired_keys
from app.policies import load_policy
from app.store.sql import SqlStore
from app.workflow.context import Ctx
from app.workflow.records import Consent
from tests.scale.plans import query_plans, recorded_statements


def _consents_of_a_notice(store: SqlStore) -> None:
    store.find(Consent, notice_id=uuid4())


def _forget_expired_keys(store: SqlStore) -> None:
    clock = SimulatedClock(datetime(2026, 1, 1, tzinfo=UTC))
    forget_expired_keys(Ctx(store=store, clock=clock, policy=load_policy("privacy-by-design")))


def _entries_of_one_action(store: SqlStore) -> None:
    store.audit_with_action("decision.request")


@pytest.mark.parametrize(
    ("lookup", "index"),
    [
        pytest.param(_consents_of_a_notice, "ix_consent_notice_id", id="consent history"),
        pytest.param(_forget_expired_keys, "ix_idempotency_key_created_at", id="expired keys"),
        pytest.param(_entries_of_one_action, "ix_audit_entry_action", id="entries by action"),
    ],
)
def test_the_lookup_uses_its_index(
    settings: Settings, lookup: Callable[[SqlStore], None], index: str
) -> None:
    db = Database(settings.url())
    if db.engine.dialect.name != "sqlite":
        db.dispose()
        pytest.skip("SQLite's plan follows the schema alone; ran on SQLite")
    try:
        db.create_schema()
        reads = recorded_statements(
            db, lambda sql: sql.lstrip().upper().startswith(("SELECT", "DELETE"))
        )
        with reads as sent, db.write() as store:
            lookup(store)
        assert sent
        plans = query_plans(db, sent)
        assert any(index in plan for plan in plans), plans
    finally:
        db.dispose()
