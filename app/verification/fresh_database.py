"""A fresh database for every explored history, and seeded ids, so that no state leaks from one
history into the next and a replayed history behaves identically (hypothesis never sees Flaky)."""

from __future__ import annotations

import random
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from sqlalchemy import create_engine


def seeded_ids(seed: int) -> Callable[[], UUID]:
    """Ids from a seeded generator: a replayed history gets the same ids (no Flaky)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible ids, not secrets
    return lambda: uuid.UUID(int=rng.getrandbits(128), version=4)


class FreshDatabase:
    """A fresh database for each explored history: a new SQLite file in a new directory, or a
    new PostgreSQL schema, dropped at the end. No state leaks between examples (no Flaky)."""

    def __init__(self, base_url: str) -> None:
        self._base = base_url
        self._dir = Path(tempfile.mkdtemp(prefix="consentgate-verify-"))
        self.schema = ""
        if base_url.startswith("postgresql"):
            self.schema = f"v_{uuid.uuid4().hex[:16]}"
            admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {self.schema}")
            admin.dispose()
            sep = "&" if "?" in base_url else "?"
            self.url = f"{base_url}{sep}options=-csearch_path%3D{self.schema}"
        else:
            self.url = f"sqlite:///{self._dir / 'verify.db'}"
        self.sqlite_path = self._dir / "verify.db"

    def drop(self) -> None:
        if self.schema:
            admin = create_engine(self._base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {self.schema} CASCADE")
            admin.dispose()
        shutil.rmtree(self._dir, ignore_errors=True)
