"""Bring a database's schema to the newest migration, without losing what it holds.

Three cases: an empty database gets the tables from the models and is stamped with the newest
revision (quick, and the drift test in tests/scale/ keeps models and migrations equal); a
database created before migrations existed (tables, no `alembic_version`) is stamped with the
baseline revision, the foundation's schema, and upgraded; any other is upgraded. It all runs in
one transaction holding the writers' lock (BEGIN IMMEDIATE on SQLite, the advisory lock on
PostgreSQL; both run DDL transactionally), so two workers starting together do not both
migrate, and a failed migration leaves the old schema as it was.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect
from sqlmodel import SQLModel

from app.store import tables as _tables  # noqa: F401  (registers the tables)
from app.store.sql import WRITER_LOCK

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# The revision whose schema is the one `create_all` made before migrations existed.
BASELINE = "0001"
MIGRATION_LOCK_KEY = 0x636F6E74


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_schema(engine: Engine) -> str:
    """Migrate to head; returns what was done ("created", "adopted", "upgraded", "current")."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(WRITER_LOCK, {"key": MIGRATION_LOCK_KEY})
        config = alembic_config(connection)
        current = current_revision(connection)
        known = set(inspect(connection).get_table_names())
        if current is None and not known & set(SQLModel.metadata.tables):
            SQLModel.metadata.create_all(connection)
            command.stamp(config, "head")
            return "created"
        outcome = "upgraded"
        if current is None:
            command.stamp(config, BASELINE)
            outcome = "adopted"
        elif current == head_revision():
            return "current"
        command.upgrade(config, "head")
        return outcome
