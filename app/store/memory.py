"""The in-memory store: dictionaries, for simulations that run the same services fast.

It keeps no transactions: a simulation runs one service call at a time and a failed call is a
bug in the scenario, not something to roll back. Records are immutable, so sharing them is safe.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from app.workflow.records import AuditEntry, Camera, Clip, Record
from app.workflow.store import R


class MemoryStore:
    def __init__(self) -> None:
        self._tables: dict[type[Any], dict[UUID, Any]] = defaultdict(dict)
        self._by_cell: dict[str, set[UUID]] = defaultdict(set)
        self._clips_by_camera: dict[UUID, set[UUID]] = defaultdict(set)
        self._audit: list[AuditEntry] = []
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._audit_index: dict[tuple[str, str], list[AuditEntry]] = defaultdict(list)

    def add(self, record: Record) -> None:
        table = self._tables[type(record)]
        if record.id in table:
            raise ValueError(f"duplicate {type(record).__name__} {record.id}")
        table[record.id] = record
        if isinstance(record, Camera):
            self._by_cell[record.cell].add(record.id)
        elif isinstance(record, Clip):
            self._clips_by_camera[record.camera_id].add(record.id)

    def save(self, record: Record) -> None:
        table = self._tables[type(record)]
        if record.id not in table:
            raise LookupError(f"no stored {type(record).__name__} {record.id}")
        table[record.id] = record

    def get(self, kind: type[R], record_id: UUID, *, for_update: bool = False) -> R | None:
        return cast(R | None, self._tables[kind].get(record_id))

    def find(self, kind: type[R], **equals: object) -> list[R]:
        rows = [
            r
            for r in self._tables[kind].values()
            if all(getattr(r, k) == v for k, v in equals.items())
        ]
        return sorted(rows, key=lambda r: str(r.id))

    def count(self, kind: type[R], **equals: object) -> int:
        return len(self.find(kind, **equals))

    def cameras_in_cells(self, cells: Collection[str]) -> list[Camera]:
        table = self._tables[Camera]
        found = [table[i] for cell in cells for i in self._by_cell.get(cell, ())]
        return sorted(found, key=lambda c: str(c.id))

    def clips_overlapping(
        self, camera_ids: Collection[UUID], start: datetime, end: datetime
    ) -> list[Clip]:
        table = self._tables[Clip]
        found = [
            clip
            for cam in camera_ids
            for i in self._clips_by_camera.get(cam, ())
            if (clip := table[i]).starts_at < end and clip.ends_at > start
        ]
        return sorted(found, key=lambda c: str(c.id))

    def audit_tail(self) -> AuditEntry | None:
        return self._audit[-1] if self._audit else None

    def append_audit(self, entry: AuditEntry) -> None:
        if entry.seq != len(self._audit):
            raise ValueError("audit entries must be appended in order")
        self._audit.append(entry)
        self._audit_index[(entry.action, entry.subject_id)].append(entry)

    def audit_entries(self, start: int, limit: int) -> list[AuditEntry]:
        return self._audit[start : start + limit]

    def merkle_nodes(self, keys: Collection[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        return {key: self._nodes[key] for key in keys if key in self._nodes}

    def add_merkle_nodes(self, nodes: Mapping[tuple[int, int], bytes]) -> None:
        self._nodes.update(nodes)

    def audit_find(self, *, action: str, subject_id: str) -> list[AuditEntry]:
        return list(self._audit_index.get((action, subject_id), ()))
