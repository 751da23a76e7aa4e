"""The narrow interface between the rules and persistence.

Implemented by an SQL store (one database transaction per service call) and an in-memory store
(so a simulation runs the same services fast). Lists come back sorted by id, so both stores
answer in the same order and a run is reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from app.workflow.records import AuditEntry, Camera, Clip, Record

R = TypeVar("R", bound=Record)


class Store(Protocol):
    def add(self, record: Record) -> None:
        """Insert a new record."""
        ...

    def save(self, record: Record) -> None:
        """Replace the stored record with the same id."""
        ...

    def get(self, kind: type[R], record_id: UUID, *, for_update: bool = False) -> R | None:
        """One record; `for_update` holds a row lock until the transaction ends (PostgreSQL)."""
        ...

    def find(self, kind: type[R], **equals: object) -> list[R]:
        """Records whose fields equal the given values, sorted by id."""
        ...

    def count(self, kind: type[R], **equals: object) -> int: ...

    def ids(self, kind: type[R]) -> list[UUID]:
        """Every record's id, sorted: for a check that needs no more of each record (a
        million-camera year's notices, built whole, were most of a verify's memory)."""
        ...

    def cameras_in_cells(
        self, cells: Collection[str], within: Callable[[float, float], bool] | None = None
    ) -> list[Camera]:
        """Cameras whose index cell is one of `cells` (the spatial index for fan-out), keeping
        only those whose (lat, lng) `within` accepts, tested before a record is built."""
        ...

    def clips_overlapping(
        self, camera_ids: Collection[UUID], start: datetime, end: datetime
    ) -> list[Clip]:
        """Clips of these cameras that overlap [start, end)."""
        ...

    def audit_tail(self) -> AuditEntry | None:
        """The last audit entry, locked against a concurrent append until the transaction ends."""
        ...

    def append_audit(self, entry: AuditEntry) -> None: ...

    def audit_entries(self, start: int, limit: int) -> list[AuditEntry]:
        """Entries with seq in [start, start + limit), in order."""
        ...

    def merkle_nodes(
        self, keys: Collection[tuple[int, int]], *, remember: bool = True
    ) -> dict[tuple[int, int], bytes]:
        """Stored perfect subtrees of the audit log by (level, index); absent keys are left out.

        `remember=False` asks a store that keeps the nodes it read for the rest of its
        transaction not to: a reader that visits every node once (the live check's scan)
        would otherwise hold the whole tree."""
        ...

    def add_merkle_nodes(self, nodes: Mapping[tuple[int, int], bytes]) -> None:
        """Store the subtrees an append completed, in the caller's transaction."""
        ...

    def audit_find(self, *, action: str, subject_id: str) -> list[AuditEntry]:
        """Entries with this action about this subject, in log order (both are indexed)."""
        ...

    def audit_with_action(self, action: str) -> list[AuditEntry]:
        """Every entry with this action, in log order, read through the action's index: for a
        reader of one rare kind of entry, which a scan of the whole log would find at the cost
        of reading every entry."""
        ...
