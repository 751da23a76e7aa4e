"""A scratch PostgreSQL schema reached through `search_path`: one per test, bench run or explored
history, so they share a cluster (and the `test` database) without seeing one another's rows.

Every table the service creates lands in the schema the connection's `search_path` names, and
the writer lock is keyed on `current_schema()` (app/store/sql.py), so two scratch schemas never
wait for each other. Dropping the schema drops everything in it.
"""

from __future__ import annotations

import uuid
from types import TracebackType

from sqlalchemy import create_engine


class ScratchSchema:
    """`url` reaches a new, empty schema named `{prefix}_{random hex}` until `drop()`."""

    def __init__(self, base_url: str, prefix: str) -> None:
        self._base = base_url
        self.name = f"{prefix}_{uuid.uuid4().hex[:16]}"
        self._run(f"CREATE SCHEMA {self.name}")
        sep = "&" if "?" in base_url else "?"
        self.url = f"{base_url}{sep}options=-csearch_path%3D{self.name}"

    def _run(self, sql: str) -> None:
        admin = create_engine(self._base, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(sql)
        finally:
            admin.dispose()

    def drop(self) -> None:
        self._run(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")

    def __enter__(self) -> ScratchSchema:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.drop()
