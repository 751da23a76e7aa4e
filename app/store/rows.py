"""Core statements for the record tables, built once per record type.

The SQL store reads and writes records through these rather than through ORM entities: a
simulated year with `--db` spent most of its time in the ORM's loading, identity map and unit of
work (`Session.get`, the autoflush before every query, the flush of each added row), not in the
database. A record is inserted when it is added and updated when it is saved, on the session's
connection, so every later read in the transaction sees it with no flush, and every read goes to
the database: no copy loaded earlier is ever handed back (a locked read in particular sees the
row as it is once the lock is held).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, func, insert, select, update
from sqlalchemy.sql import Insert, Select, Update

from app.store.convert import field_names, from_values


@dataclass
class RowStatements:
    """One record type's table and its statements; the record's fields are the columns."""

    kind: type[Any]
    table: Table
    names: tuple[str, ...] = ()
    select_all: Select[Any] = field(init=False)
    by_id: Select[Any] = field(init=False)
    by_id_locked: Select[Any] = field(init=False)
    insert: Insert = field(init=False)
    update: Update = field(init=False)
    ids: Select[Any] = field(init=False)
    # Prebuilt finds and counts by the names of the columns compared: a prebuilt statement
    # keeps its compiled form's cache key, where one built per call computes it again.
    _finds: dict[tuple[str, ...], Select[Any]] = field(default_factory=dict)
    _counts: dict[tuple[str, ...], Select[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = field_names(self.kind)
        columns = [c.name for c in self.table.columns]
        if list(names) != columns:
            raise TypeError(f"{self.table.name}'s columns are not {self.kind.__name__}'s fields")
        self.names = names
        c = self.table.c
        self.select_all = select(*(c[n] for n in names))
        self.by_id = self.select_all.where(c.id == bindparam("id"))
        self.by_id_locked = self.by_id.with_for_update()
        self.insert = insert(self.table)
        self.update = update(self.table).where(c.id == bindparam("key_id"))
        self.ids = select(c.id).order_by(c.id)

    def record(self, row: Sequence[Any]) -> Any:
        return from_values(self.kind, dict(zip(self.names, row, strict=True)))

    def update_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """The update's parameters: every column but the key set, the key in the WHERE."""
        params = {name: value for name, value in values.items() if name != "id"}
        params["key_id"] = values["id"]
        return params

    def find(self, equals: dict[str, object]) -> tuple[Select[Any], dict[str, object]]:
        """The rows whose columns equal these values, ordered by id; a None compares as IS
        NULL (a bound `= NULL` would match nothing), so such a find is built for its values."""
        if any(v is None for v in equals.values()):
            return self.select_all.where(*self._terms(equals)).order_by(self.table.c.id), {}
        key = tuple(equals)
        query = self._finds.get(key)
        if query is None:
            query = self.select_all.where(*self._bound(key)).order_by(self.table.c.id)
            self._finds[key] = query
        return query, equals

    def count(self, equals: dict[str, object]) -> tuple[Select[Any], dict[str, object]]:
        base = select(func.count()).select_from(self.table)
        if any(v is None for v in equals.values()):
            return base.where(*self._terms(equals)), {}
        key = tuple(equals)
        query = self._counts.get(key)
        if query is None:
            query = self._counts[key] = base.where(*self._bound(key))
        return query, equals

    def _terms(self, equals: dict[str, object]) -> list[ColumnElement[bool]]:
        return [self.table.c[k] == v for k, v in equals.items()]

    def _bound(self, names: tuple[str, ...]) -> list[ColumnElement[bool]]:
        return [self.table.c[k] == bindparam(k) for k in names]
