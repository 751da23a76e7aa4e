"""Schema changes go through Alembic: the migrations build exactly the models' schema, and a
database from before migrations (or from an older revision) upgrades without losing data."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from app.clock import SimulatedClock
from app.config import Settings
from app.db import Database
from app.policies import load_policy
from app.runtime import Runtime
from app.store.schema import BASELINE, alembic_config, current_revision, head_revision
from app.workflow import audit, merkle, operator
from app.workflow.audit import verify_chain
from app.workflow.context import Ctx
from app.workflow.records import Agency, Partnership
from app.workflow.states import PartnershipStatus
from tests.scale.races import OPERATOR, active_agency


def test_the_migrations_build_exactly_the_models_schema(settings: Settings) -> None:
    """Drift check: a table, column, index or type in the models but not in a migration (or
    the reverse) fails here. Add the migration: see docs/migrations.md."""
    db = Database(settings.url())
    try:
        with db.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
            differences = compare_metadata(
                MigrationContext.configure(connection), SQLModel.metadata
            )
            assert current_revision(connection) == head_revision()
        assert differences == [], f"models and migrations disagree: {differences}"
    finally:
        db.dispose()


def _agency_with_partnership(
    db: Database, clock: SimulatedClock, *, revision: str = BASELINE, unversioned: bool = False
) -> Agency:
    """Data written by today's code, then the schema taken back to `revision` (and, for a
    database from before migrations, its version table dropped), as an old database would be."""
    agency = _write_data(db, clock)
    with db.engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)
        if unversioned:
            connection.exec_driver_sql("DROP TABLE alembic_version")
    return agency


def _write_data(db: Database, clock: SimulatedClock) -> Agency:
    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    policy = load_policy("privacy-by-design")
    with db.write() as store:
        ctx = Ctx(store=store, clock=clock, policy=policy)
        agency_id = active_agency(ctx)
        operator.create_resident(ctx, OPERATOR, name="Before", contact="before@example.org")
        agency = store.get(Agency, agency_id)
        assert agency is not None
        return agency


def _check_kept(settings: Settings, clock: SimulatedClock, agency: Agency, outcome: str) -> None:
    db = Database(settings.url())
    try:
        assert db.create_schema() == outcome
    finally:
        db.dispose()
    runtime = Runtime.build(settings, clock=clock)
    try:
        kept = runtime.read(lambda ctx: ctx.store.get(Agency, agency.id))
        assert kept == agency
        partnerships = runtime.read(lambda ctx: ctx.store.find(Partnership, agency_id=agency.id))
        assert [p.status for p in partnerships] == [PartnershipStatus.ACTIVE]
        entries = runtime.read(lambda ctx: ctx.store.audit_entries(0, 1000))
        assert len(entries) == 3 and verify_chain(entries).ok
        # And the upgraded database goes on working: one more write appends to the same chain.
        clock.advance(timedelta(minutes=1))
        runtime.write(
            lambda ctx: operator.create_resident(ctx, OPERATOR, name="After", contact="a@ex.org")
        )
        entries = runtime.read(lambda ctx: ctx.store.audit_entries(0, 1000))
        assert len(entries) == 4 and verify_chain(entries).ok
        # The Merkle tree covers the entries written before it existed (backfilled) and after.
        leaves = [merkle.leaf_hash(audit.canonical_bytes(e)) for e in entries]
        assert [e.leaf_hash for e in entries] == [leaf.hex() for leaf in leaves]
        root = runtime.read(lambda ctx: audit.root_at(ctx, len(entries)))
        assert root == merkle.tree_hash(leaves)
        with runtime.db.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
    finally:
        runtime.db.dispose()


def test_a_database_made_before_migrations_is_adopted_without_loss(
    settings: Settings, clock: SimulatedClock
) -> None:
    db = Database(settings.url())
    try:
        # The foundation made its schema with create_all: the baseline tables, no version table.
        agency = _agency_with_partnership(db, clock, unversioned=True)
    finally:
        db.dispose()
    _check_kept(settings, clock, agency, "adopted")


def test_a_database_at_the_baseline_revision_upgrades_without_loss(
    settings: Settings, clock: SimulatedClock
) -> None:
    db = Database(settings.url())
    try:
        agency = _agency_with_partnership(db, clock)
    finally:
        db.dispose()
    expected = "current" if head_revision() == BASELINE else "upgraded"
    _check_kept(settings, clock, agency, expected)


def test_a_fresh_database_is_created_at_head_and_left_alone_after(settings: Settings) -> None:
    db = Database(settings.url())
    try:
        assert db.create_schema() == "created"
        assert db.create_schema() == "current"
        with db.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
    finally:
        db.dispose()


def test_the_alembic_command_says_what_it_ran(tmp_path: Path) -> None:
    # env.py ignored alembic.ini's logging: `alembic upgrade head` printed nothing, whether it
    # ran three migrations or none, and so did a downgrade.
    root = Path(__file__).resolve().parents[2]
    alembic = Path(sys.executable).with_name("alembic")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'by-hand.db'}"}
    env.pop("CONSENTGATE_DATABASE_URL", None)
    done = subprocess.run(  # noqa: S603  (the venv's own alembic, constant arguments)
        [str(alembic), "upgrade", "head"], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Running upgrade " in done.stderr and f" -> {head_revision()}, " in done.stderr
