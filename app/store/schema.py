"""Bring a database's schema to the newest migration, without losing what it holds.

Three cases: an empty database gets the tables from the models and is stamped with the newest
revision (quick, and the drift test in tests/scale/ keeps models and migrations equal); a
database created before migrations existed (tables, no `alembic_version`) is stamped with the
baseline revision, the foundation's schema, and upgraded; any other is upgraded. It all runs in
one transaction holding the writers' lock (BEGIN IMMEDIATE on SQLite, the advisory lock on
PostgreSQL; both run DDL transactionally), so two workers starting together do not both
migrate, and a failed migration leaves the old schema as it was.

Two databases are refused rather than used: one this code cannot reach, and one whose revision
this code does not know (a newer consentgate migrated it). Running on a schema the code does
not match would fail later, mid-request, or silently misread rows; the message names the
revision and what to run instead (docs/migrations.md).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from app.store import tables as _tables  # noqa: F401  (registers the tables)
from app.store.bounds import unbounded
from app.store.faults import Fault, classify
from app.store.sql import WRITER_LOCK

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# The revision whose schema is the one `create_all` made before migrations existed.
BASELINE = "0001"
MIGRATION_LOCK_KEY = 0x636F6E74


class DatabaseNotUsable(Exception):
    """The service will not start on this database; the message says why and what to do."""


class DatabaseUnreachable(DatabaseNotUsable):
    def __init__(self, engine: Engine, reason: BaseException) -> None:
        # The URL without its password: this message is printed and logged.
        where = engine.url.render_as_string(hide_password=True)
        detail = str(getattr(reason, "orig", None) or reason).strip().splitlines()[0]
        super().__init__(f"cannot connect to {where}: {detail}")


class SchemaAhead(DatabaseNotUsable):
    def __init__(self, current: str, head: str) -> None:
        self.current, self.head = current, head
        super().__init__(
            f"the database's schema is at revision {current}, which this version of "
            f"consentgate does not know (its newest is {head}): a newer version, or a branch "
            "with a migration of its own, migrated it. "
            f"Run that newer version, or step the database back with the newer version's "
            f"`alembic downgrade {head}` (docs/migrations.md). Refusing to start on a schema "
            "the code does not match."
        )


class SchemaNotCurrent(DatabaseNotUsable):
    """A command that only reads (the auditor's) met a database it would have to migrate."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current, self.head = current, head
        what = (
            "holds no consentgate tables"
            if current is None
            else f"is at schema revision {current}, older than this version's {head}"
        )
        super().__init__(
            f"the database {what}. A read-only command never migrates the database it reads "
            "(an audit must not change what it audits): upgrade a copy with `alembic upgrade "
            "head` or by starting `consentgate serve` on it (docs/migrations.md), and read that."
        )


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


def known_revisions() -> set[str]:
    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }


def _connect(engine: Engine) -> Connection:
    try:
        return engine.connect()
    except DBAPIError as exc:
        # Only a failure to reach the server; a file that is not a database (SQLite) is
        # another matter, and surfaces as it is.
        if classify(exc) is Fault.UNAVAILABLE:
            raise DatabaseUnreachable(engine, exc) from exc
        raise


def upgrade_schema(engine: Engine) -> str:
    """Migrate to head; returns what was done ("created", "adopted", "upgraded", "current").

    Raises DatabaseUnreachable or SchemaAhead (both DatabaseNotUsable) instead of starting."""
    with _connect(engine) as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(WRITER_LOCK, {"key": MIGRATION_LOCK_KEY})
        config = alembic_config(connection)
        current = current_revision(connection)
        # The usual start first: a current schema needs no table listing and no revision walk.
        if current is not None and _usable_revision(current):
            return "current"
        return _migrate(connection, config, current)


def _migrate(connection: Connection, config: Config, current: str | None) -> str:
    with unbounded(connection):  # a migration may run long: see app/store/bounds.py
        if current is not None:
            command.upgrade(config, "head")
            return "upgraded"
        known = set(inspect(connection).get_table_names())
        if not known & set(SQLModel.metadata.tables):
            SQLModel.metadata.create_all(connection)
            command.stamp(config, "head")
            return "created"
        command.stamp(config, BASELINE)
        command.upgrade(config, "head")
        return "adopted"


def _usable_revision(current: str) -> bool:
    """True at head; False for an older revision this code knows; SchemaAhead otherwise."""
    if current == head_revision():
        return True
    if current not in known_revisions():
        raise SchemaAhead(current, head_revision())
    return False


def check_schema_current(engine: Engine) -> None:
    """For a command that only reads: the schema must already be at head; nothing is written.

    Raises DatabaseUnreachable, SchemaAhead or SchemaNotCurrent."""
    with _connect(engine) as connection:
        current = current_revision(connection)
    if current is None or not _usable_revision(current):
        raise SchemaNotCurrent(current, head_revision())
