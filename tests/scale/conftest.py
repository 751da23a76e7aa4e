"""Fixtures shared by the fault tests (test_faults.py, test_freeze.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from app.config import Settings
from app.store.sql import AUDIT_LOCK_KEY


@pytest.fixture
def writers_lock(settings: Settings) -> Iterator[Any]:
    """Hold the database's write lock from outside, as a stuck transaction would."""
    url = settings.url()

    def hold() -> Any:
        if url.startswith("sqlite"):
            outside = sqlite3.connect(str(settings.db_path), isolation_level=None)
            outside.execute("BEGIN IMMEDIATE")
            return outside
        import psycopg

        outside = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
        outside.execute(
            "SELECT pg_advisory_lock(%s, hashtext(current_schema()))", (AUDIT_LOCK_KEY,)
        )
        return outside

    held: list[Any] = []
    yield lambda: held.append(hold()) or held[-1]
    for connection in held:
        connection.close()
