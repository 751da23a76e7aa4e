"""The SQL store: records in SQLModel tables, one database transaction per service call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, and_, bindparam, insert, or_, text
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import Select

from app.store import tables as t
from app.store.convert import field_names, to_values
from app.store.rows import RowStatements
from app.workflow.records import (
    Agency,
    AuditEntry,
    Camera,
    Clip,
    Consent,
    FootageRequest,
    MapAnswer,
    NonContentDisclosure,
    Notice,
    Partnership,
    Record,
    Release,
    Resident,
)
from app.workflow.store import R

T = TypeVar("T")

ROWS: dict[type[Any], type[SQLModel]] = {
    Agency: t.AgencyRow,
    Partnership: t.PartnershipRow,
    Resident: t.ResidentRow,
    Camera: t.CameraRow,
    Clip: t.ClipRow,
    FootageRequest: t.FootageRequestRow,
    Notice: t.NoticeRow,
    Consent: t.ConsentRow,
    Release: t.ReleaseRow,
    MapAnswer: t.MapAnswerRow,
    NonContentDisclosure: t.NonContentDisclosureRow,
}

STATEMENTS: dict[type[Any], RowStatements] = {
    kind: RowStatements(kind, row.__table__)  # type: ignore[attr-defined]
    for kind, row in ROWS.items()
}

# The lock that serialises writers (and so audit appends) on PostgreSQL: a constant class and
# the schema's name, so databases sharing a cluster, or tests each in their own schema, do not
# wait for one another. A writer takes it first (app/db.py); audit_tail takes it again, which
# costs nothing when it is held and keeps the store correct for a caller that did not.
AUDIT_LOCK_KEY = 0x636F6E73
WRITER_LOCK = text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))")


_INSERT_ENTRY = insert(t.AuditEntryRow.__table__)  # type: ignore[attr-defined]
_INSERT_NODE = insert(t.AuditNodeRow.__table__)  # type: ignore[attr-defined]
_SELECT_ENTRIES = select(*t.AuditEntryRow.__table__.columns)  # type: ignore[attr-defined]
_LAST_ENTRY = _SELECT_ENTRIES.order_by(col(t.AuditEntryRow.seq).desc()).limit(1)
_FIND_ENTRIES = _SELECT_ENTRIES.where(
    col(t.AuditEntryRow.action) == bindparam("action"),
    col(t.AuditEntryRow.subject_id) == bindparam("subject"),
).order_by(col(t.AuditEntryRow.seq))
# An entry is built from its row's values in column order, which is the record's field order.
if tuple(c.name for c in _SELECT_ENTRIES.selected_columns) != field_names(AuditEntry):
    raise TypeError("audit_entry's columns are not AuditEntry's fields in order")

# SQLite's default limit on bound parameters is 32,766; stay well below it.
_CHUNK = 5_000
# At least this many consecutive nodes of one level are read as a range of indices: a page of
# the live checks (app/workflow/log_scan.py) wants thousands.
_RUN = 16
# Terms (a level and its indices) per query: with at most _CHUNK indices in each, a query stays
# under SQLite's limit on bound parameters.
_TERMS = 4


def merkle_node_queries(keys: list[tuple[int, int]]) -> list[Select[int, int, str]]:
    """Queries for these sorted node keys, each an OR of per-level terms (`level = L AND idx IN
    (...)`, or a range of idx for a run), which both databases answer from the primary key.

    Not `(level, idx) IN ((...), ...)`: SQLite answers a row-value IN list with a scan of the
    whole table, so every audit append (which reads its left siblings) read every node, and
    appending grew with the log (a simulated year of 329,000 entries: 4 ms an append)."""
    level, idx, value = (
        col(t.AuditNodeRow.level),
        col(t.AuditNodeRow.idx),
        col(t.AuditNodeRow.hash),
    )
    terms: list[ColumnElement[bool]] = []
    scattered: dict[int, list[int]] = defaultdict(list)
    start = 0
    for i in range(1, len(keys) + 1):
        if i < len(keys) and keys[i] == (keys[i - 1][0], keys[i - 1][1] + 1):
            continue
        at, first, last = keys[start][0], keys[start][1], keys[i - 1][1]
        if i - start >= _RUN:
            terms.append(and_(level == at, idx >= first, idx <= last))
        else:
            scattered[at] += [index for _, index in keys[start:i]]
        start = i
    for at, indices in scattered.items():
        for j in range(0, len(indices), _CHUNK):
            terms.append(and_(level == at, idx.in_(indices[j : j + _CHUNK])))
    return [
        select(level, idx, value).where(or_(*terms[j : j + _TERMS]))
        for j in range(0, len(terms), _TERMS)
    ]


_SELECT_CAMERAS = (
    "SELECT id, resident_id, label, lat, lng, cell, end_to_end_encrypted, created_at FROM camera"
)


def cameras_in_cells_statement(cells: Sequence[str], *, postgres: bool) -> tuple[str, Any]:
    """Driver SQL and parameters for the cameras in `cells`.

    Plain driver SQL: compiling an expanding IN of a hundred-odd cells through SQLAlchemy on
    every fan-out cost more than the indexed lookup itself (bench/fanout.py). PostgreSQL gets
    one array parameter, so the text never changes and psycopg prepares it once, saving the
    planning of a long IN list per request.
    """
    if postgres:
        return _SELECT_CAMERAS + " WHERE cell = ANY(%s)", (list(cells),)
    # Only placeholders are formatted in, never a value: the cells are bound parameters.
    markers = ", ".join(["?"] * len(cells))
    return f"{_SELECT_CAMERAS} WHERE cell IN ({markers})", tuple(cells)


def _uuid(value: Any) -> UUID:
    # PostgreSQL's driver hands back UUID objects; SQLite keeps SQLAlchemy's 32-digit hex text.
    return value if isinstance(value, UUID) else UUID(hex=value)


def _utc(value: Any) -> datetime:
    # Times are stored naive in UTC (tables.UTCDateTime); SQLite hands them back as text.
    stored = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return stored.replace(tzinfo=UTC)


def _camera(
    id: Any, resident_id: Any, label: str, lat: float, lng: float, cell: str, e2e: Any, at: Any
) -> Camera:
    return Camera(_uuid(id), _uuid(resident_id), label, lat, lng, cell, bool(e2e), _utc(at))


class SqlStore:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"
        self._tail: AuditEntry | None = None
        # Merkle nodes this transaction has read or written. A node commits to a complete
        # subtree and never changes once written, so a copy stays true for the transaction;
        # the store dies with its session, so a rolled-back node is never served. Without it
        # every append queried its left siblings, and each query flushed the rows before it.
        self._nodes: dict[tuple[int, int], bytes] = {}
        # Audit entries and Merkle nodes appended but not yet sent: inserted together, one
        # executemany each, before anything reads those tables and before the commit
        # (`flush`, which Database.write calls). An append cost two statements per entry, as
        # many as the change it records; a filing's notices write hundreds of entries.
        self._new_entries: list[AuditEntry] = []
        self._new_nodes: list[dict[str, Any]] = []

    def _conn(self) -> Connection:
        return self.session.connection()

    def add(self, record: Record) -> None:
        self._conn().execute(STATEMENTS[type(record)].insert, to_values(record))

    def save(self, record: Record) -> None:
        rows = STATEMENTS[type(record)]
        done = self._conn().execute(rows.update, rows.update_values(to_values(record)))
        if done.rowcount != 1:
            raise LookupError(f"no stored {type(record).__name__} {record.id}")

    def get(self, kind: type[R], record_id: UUID, *, for_update: bool = False) -> R | None:
        # Always read from the database (app/store/rows.py): a locked read must see the row as
        # it is once the lock is held, never a copy loaded earlier in the transaction, or a gate
        # deciding on it could release after a withdrawal that committed in between.
        rows = STATEMENTS[kind]
        query = rows.by_id_locked if for_update else rows.by_id
        row = self._conn().execute(query, {"id": record_id}).first()
        return None if row is None else cast(R, rows.record(row))

    def find(self, kind: type[R], **equals: object) -> list[R]:
        rows = STATEMENTS[kind]
        query, params = rows.find(equals)
        return [rows.record(row) for row in self._conn().execute(query, params)]

    def ids(self, kind: type[R]) -> list[UUID]:
        return list(self._conn().execute(STATEMENTS[kind].ids).scalars())

    def count(self, kind: type[R], **equals: object) -> int:
        query, params = STATEMENTS[kind].count(equals)
        return int(self._conn().execute(query, params).scalar_one())

    def cameras_in_cells(
        self, cells: Collection[str], within: Callable[[float, float], bool] | None = None
    ) -> list[Camera]:
        # Fan-out runs on every request filed, and at city density a request's cells hold a few
        # hundred cameras: converting them through ORM entities, or even typed Core rows, cost
        # several times the indexed lookup itself (bench/fanout.py). So: one driver-level query
        # on the indexed `camera.cell`, the distance test on the raw row, and a direct
        # conversion of the eight columns for the cameras that pass it.
        ordered = sorted(cells)
        out: list[Camera] = []
        connection = self.session.connection()
        for i in range(0, len(ordered), _CHUNK):
            sql, params = cameras_in_cells_statement(
                ordered[i : i + _CHUNK], postgres=self._postgres
            )
            rows = connection.exec_driver_sql(sql, params)
            out.extend(_camera(*row) for row in rows if within is None or within(row[3], row[4]))
        # A UUID orders by its integer, which is the order of its text form: no str() per camera.
        return sorted(out, key=lambda c: c.id.int)

    def clips_overlapping(
        self, camera_ids: Collection[UUID], start: datetime, end: datetime
    ) -> list[Clip]:
        ids = sorted(camera_ids, key=str)
        clips = STATEMENTS[Clip]
        out: list[Clip] = []
        for i in range(0, len(ids), _CHUNK):
            query = clips.select_all.where(
                clips.table.c.camera_id.in_(ids[i : i + _CHUNK]),
                clips.table.c.starts_at < end,
                clips.table.c.ends_at > start,
            )
            out.extend(clips.record(row) for row in self._conn().execute(query))
        return sorted(out, key=lambda c: str(c.id))

    def audit_tail(self) -> AuditEntry | None:
        if self._tail is not None:
            # This transaction already holds the lock and appended last: no one else can have
            # appended since, so skip the query (and the flush it would force) per entry.
            return self._tail
        if self._postgres:
            # Row locks cannot serialise "read the last row, append after it"; an advisory
            # lock held to the end of the transaction can. SQLite writers already run under
            # BEGIN IMMEDIATE, one at a time.
            self.session.execute(WRITER_LOCK, {"key": AUDIT_LOCK_KEY})
        found = self._entries(_LAST_ENTRY)
        return found[0] if found else None

    def append_audit(self, entry: AuditEntry) -> None:
        # Core inserts, not ORM rows: building a SQLModel instance and flushing it cost about
        # three times the insert itself (bench/audit_rate.py), on every state change. Nothing
        # refers to these rows, so the unit of work has nothing to order them by.
        self._new_entries.append(entry)
        self._tail = entry

    def flush(self) -> None:
        """Send the appended audit entries and Merkle nodes (see __init__)."""
        if self._new_entries:
            self._conn().execute(_INSERT_ENTRY, [to_values(e) for e in self._new_entries])
            self._new_entries = []
        if self._new_nodes:
            self._conn().execute(_INSERT_NODE, self._new_nodes)
            self._new_nodes = []

    def audit_entries(self, start: int, limit: int) -> list[AuditEntry]:
        # The table's columns, not ORM rows: entries are only read here, and building an ORM
        # object per row (identity map, instrumentation) cost more than the row itself.
        query = (
            _SELECT_ENTRIES.where(
                col(t.AuditEntryRow.seq) >= start, col(t.AuditEntryRow.seq) < start + limit
            )
        ).order_by(col(t.AuditEntryRow.seq))
        return self._entries(query)

    def merkle_nodes(
        self, keys: Collection[tuple[int, int]], *, remember: bool = True
    ) -> dict[tuple[int, int], bytes]:
        known = self._nodes
        out = {key: known[key] for key in keys if key in known}
        if len(out) == len(keys):
            return out  # every append after a transaction's first: no query to build
        # Nodes not yet sent are all known: the query needs no flush.
        for query in merkle_node_queries(sorted(set(keys) - out.keys())):
            found = {(lv, ix): bytes.fromhex(h) for lv, ix, h in self.session.execute(query)}
            if remember:
                known.update(found)
            out.update(found)
        return out

    def add_merkle_nodes(self, nodes: Mapping[tuple[int, int], bytes]) -> None:
        self._nodes.update(nodes)
        self._new_nodes += [
            {"level": level, "idx": idx, "hash": value.hex()}
            for (level, idx), value in sorted(nodes.items())
        ]

    def audit_with_action(self, action: str) -> list[AuditEntry]:
        query = _SELECT_ENTRIES.where(col(t.AuditEntryRow.action) == action)
        return self._entries(query.order_by(col(t.AuditEntryRow.seq)))

    def _entries(self, query: Any, params: Mapping[str, Any] | None = None) -> list[AuditEntry]:
        """Entries read on the session's connection, not through the ORM's result loading, and
        built straight from their columns (the row's types are already the entry's: the
        columns' types convert them): reading a long log spent a third of its time in the
        ORM's loading and the generic conversion. Entries this transaction appended are sent
        first (`flush`)."""
        self.flush()
        return [AuditEntry(*row) for row in self._conn().execute(query, params)]

    def audit_find(self, *, action: str, subject_id: str) -> list[AuditEntry]:
        # Asked before every decision record (is the policy logged?): answered from the
        # entries not yet sent and the table, with no flush, or each decision would cost the
        # two inserts the batching saves. Entries not sent follow every stored one.
        stored = self._conn().execute(_FIND_ENTRIES, {"action": action, "subject": subject_id})
        return [AuditEntry(*row) for row in stored] + [
            e for e in self._new_entries if e.action == action and e.subject_id == subject_id
        ]
