"""Alembic's entry point: the target is the SQLModel tables, so `--autogenerate` diffs them.

The service hands in its own connection (`config.attributes["connection"]`, already inside a
locked transaction: see app/store/schema.py); the command line connects to DATABASE_URL (or
CONSENTGATE_DATABASE_URL), or to the SQLite file the settings name.
"""

from __future__ import annotations

import re
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

from app.store import tables as _tables  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def _numbered(_context: object, _revision: object, directives: list[Any]) -> None:
    """Number a new revision after the newest, as 0001-0003 are (`make migration`; see
    docs/migrations.md), instead of Alembic's random twelve hex digits, so that the files and
    `alembic downgrade NNNN` read in order. An id given with --rev-id is kept: Alembic's own
    are twelve random hex digits, and only those are replaced."""
    numbers = [r.revision for r in context.script.walk_revisions() if r.revision.isdigit()]
    if not directives or not numbers or not re.fullmatch(r"[0-9a-f]{12}", directives[0].rev_id):
        return
    directives[0].rev_id = f"{max(int(n) for n in numbers) + 1:04d}"


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        process_revision_directives=_numbered,
        # SQLite cannot ALTER most things in place: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        run_on(given)
        return
    from app.config import Settings
    from app.db import make_engine
    from app.store.bounds import unbounded

    # The command line: alembic.ini's logging, so that `alembic upgrade head` says which
    # migrations it ran (without it, an upgrade and a no-op printed the same nothing).
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)

    engine = make_engine(config.get_main_option("sqlalchemy.url") or Settings().url())
    try:
        with engine.begin() as connection, unbounded(connection):
            run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("consentgate migrates online only: point DATABASE_URL at the database")
run_online()
