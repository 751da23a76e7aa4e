"""The in-memory store: dictionaries, for simulations that run the same services fast.

It keeps no transactions: a simulation runs one service call at a time and a failed call is a
bug in the scenario, not something to roll back. Records are immutable, so sharing them is safe.

`find` answers from per-field indexes built on first use and kept up to date by `add` and
`save`, so a year-long simulation does not scan every notice for every request. The answer is
the same as a full scan's: the smallest index bucket among the fields asked for narrows the
candidates, and every field is still compared with `==` before a record is returned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Mapping
from datetime import datetime
from enum import Enum
from operator import attrgetter
from typing import Any, cast
from uuid import UUID

from app.workflow import merkle
from app.workflow.records import AuditEntry, Camera, Clip, Record
from app.workflow.store import R

# value -> ids of the records holding it (a dict keeps insertion order: a set would not)
_Index = dict[Hashable, dict[int, None]]


# Field values that are their own index key (most are): no enum, always hashable. (A UUID
# is keyed by its number, before this set is asked.)
_PLAIN_KEYS = frozenset({str, int, float, bool, type(None), datetime, bytes})


def _key(value: object) -> Hashable | None:
    """The index key of a field value; None when it cannot be hashed (then `find` scans).

    An enum member and its value compare equal but hash differently, so both index as the value.
    A UUID indexes as its number (see MemoryStore): should that equal an int value of the same
    field, the bucket holds both and `find`'s comparison of every field tells them apart.
    """
    if type(value) is UUID:
        return value.int
    if type(value) in _PLAIN_KEYS:
        return value
    if isinstance(value, Enum):
        # `_value_` is what `.value` returns, read without its descriptor (written in Python):
        # a notice's response and a request's status are keyed at every add and save.
        enum_value: Hashable = value._value_
        return enum_value
    if not isinstance(value, Hashable):
        return None
    try:
        hash(value)  # a tuple holding a list is Hashable by type but fails here
    except TypeError:
        return None
    return value


# Records come back sorted by their id's text, as the SQL store sorts them. A UUID's text is its
# 128-bit number in fixed-width hex, so the number sorts them alike, without making the text.
_by_id = attrgetter("id.int")


class MemoryStore:
    """Tables, indexes and lookups are keyed by a record id's 128-bit number (`UUID.int`), not
    by the UUID: a UUID hashes and compares in Python (uuid.py), its number in C, and a run
    looks records up by id tens of thousands of times. The number identifies the UUID."""

    def __init__(self) -> None:
        self._tables: dict[type[Any], dict[int, Any]] = defaultdict(dict)
        self._indexes: dict[type[Any], dict[str, _Index]] = defaultdict(dict)
        self._by_cell: dict[str, set[int]] = defaultdict(set)
        self._clips_by_camera: dict[int, set[int]] = defaultdict(set)
        self._audit: list[AuditEntry] = []
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._tree_size = 0  # leaves folded into _nodes
        self._leaves: list[bytes] = []  # leaves appended since, folded on the next read
        self._audit_index: dict[tuple[str, str], list[AuditEntry]] = defaultdict(list)

    def add(self, record: Record) -> None:
        table = self._tables[type(record)]
        number = record.id.int
        if number in table:
            raise ValueError(f"duplicate {type(record).__name__} {record.id}")
        table[number] = record
        for name, index in self._indexes[type(record)].items():
            index.setdefault(_key(getattr(record, name)), {})[number] = None
        if isinstance(record, Camera):
            self._by_cell[record.cell].add(number)
        elif isinstance(record, Clip):
            self._clips_by_camera[record.camera_id.int].add(number)

    def save(self, record: Record) -> None:
        table = self._tables[type(record)]
        number = record.id.int
        old = table.get(number)
        if old is None:
            raise LookupError(f"no stored {type(record).__name__} {record.id}")
        table[number] = record
        for name, index in self._indexes[type(record)].items():
            was, now = getattr(old, name), getattr(record, name)
            if was is now:  # the field a replace() left alone: the same key, nothing to move
                continue
            before, after = _key(was), _key(now)
            if before != after:
                bucket = index[before]
                del bucket[number]
                if not bucket:
                    del index[before]
                index.setdefault(after, {})[number] = None

    def get(self, kind: type[R], record_id: UUID, *, for_update: bool = False) -> R | None:
        return cast("R | None", self._tables[kind].get(record_id.int))

    def _index(self, kind: type[Any], name: str) -> _Index:
        indexes = self._indexes[kind]
        index = indexes.get(name)
        if index is None:
            index = {}
            for number, record in self._tables[kind].items():
                index.setdefault(_key(getattr(record, name)), {})[number] = None
            indexes[name] = index
        return index

    def find(self, kind: type[R], **equals: object) -> list[R]:
        table = self._tables[kind]
        candidates: Collection[Any] = table.values()
        # Narrow by the most selective indexed field (a request's case number, not its agency).
        best: dict[int, None] | None = None
        for name, value in equals.items():
            key = _key(value)
            if key is not None:
                bucket = self._index(kind, name).get(key, {})
                if best is None or len(bucket) < len(best):
                    best = bucket
        if best is not None:
            candidates = [table[i] for i in best]
        if len(equals) == 1:  # the usual question, compared without a generator per record
            ((name, value),) = equals.items()
            rows = [r for r in candidates if getattr(r, name) == value]
        else:
            rows = [r for r in candidates if all(getattr(r, k) == v for k, v in equals.items())]
        return sorted(rows, key=_by_id)

    def count(self, kind: type[R], **equals: object) -> int:
        return len(self.find(kind, **equals))

    def ids(self, kind: type[R]) -> list[UUID]:
        return sorted(record.id for record in self._tables[kind].values())

    def cameras_in_cells(
        self, cells: Collection[str], within: Callable[[float, float], bool] | None = None
    ) -> list[Camera]:
        table = self._tables[Camera]
        found = [table[i] for cell in cells for i in self._by_cell.get(cell, ())]
        if within is not None:
            found = [c for c in found if within(c.lat, c.lng)]
        return sorted(found, key=_by_id)

    def clips_overlapping(
        self, camera_ids: Collection[UUID], start: datetime, end: datetime
    ) -> list[Clip]:
        table = self._tables[Clip]
        found = [
            clip
            for cam in camera_ids
            for i in self._clips_by_camera.get(cam.int, ())
            if (clip := table[i]).starts_at < end and clip.ends_at > start
        ]
        return sorted(found, key=_by_id)

    def audit_tail(self) -> AuditEntry | None:
        return self._audit[-1] if self._audit else None

    def append_audit(self, entry: AuditEntry) -> None:
        if entry.seq != len(self._audit):
            raise ValueError("audit entries must be appended in order")
        self._audit.append(entry)
        self._audit_index[(entry.action, entry.subject_id)].append(entry)

    def audit_entries(self, start: int, limit: int) -> list[AuditEntry]:
        return self._audit[start : start + limit]

    def merkle_nodes(
        self, keys: Collection[tuple[int, int]], *, remember: bool = True
    ) -> dict[tuple[int, int], bytes]:
        if self._leaves:
            self._fold()
        nodes = self._nodes
        return {key: nodes[key] for key in keys if key in nodes}

    def add_merkle_nodes(self, nodes: Mapping[tuple[int, int], bytes]) -> None:
        if self._leaves:
            self._fold()
        self._nodes.update(nodes)
        self._tree_size = max([self._tree_size, *(i + 1 for level, i in nodes if level == 0)])

    def add_merkle_leaf(self, index: int, leaf: bytes) -> None:
        """Append leaf `index`; its nodes are folded in when nodes are next read (`_fold`).

        `audit.record` calls this instead of reading the frontier and writing the completed
        nodes itself: the nodes stored, and so every root and proof, are the same, computed by
        `merkle.fold_leaves` (what `merkle.append_nodes` gives, leaf by leaf) in one batch per
        read instead of one per entry.
        """
        if index != self._tree_size + len(self._leaves):
            raise ValueError("Merkle leaves must be appended in order")
        self._leaves.append(leaf)

    def _fold(self) -> None:
        self._tree_size = merkle.fold_leaves(self._tree_size, self._leaves, self._nodes)
        self._leaves.clear()

    def audit_find(self, *, action: str, subject_id: str) -> list[AuditEntry]:
        return list(self._audit_index.get((action, subject_id), ()))

    def audit_with_action(self, action: str) -> list[AuditEntry]:
        return [entry for entry in self._audit if entry.action == action]
