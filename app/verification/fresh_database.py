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

from app.store.scratch_schema import ScratchSchema


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
        self._schema: ScratchSchema | None = None
        if base_url.startswith("postgresql"):
            self._schema = ScratchSchema(base_url, "v")
            self.url = self._schema.url
        else:
            self.url = f"sqlite:///{self._dir / 'verify.db'}"
        self.sqlite_path = self._dir / "verify.db"

    def drop(self) -> None:
        if self._schema is not None:
            self._schema.drop()
        shutil.rmtree(self._dir, ignore_errors=True)
