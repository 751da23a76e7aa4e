"""The audit log: one hash-linked entry per state change (invariant I7).

Each entry's canonical bytes are JSON with sorted keys and no spaces; its hash is
SHA-256(previous hash || canonical bytes), so editing, deleting, inserting or reordering a
stored entry breaks every later link.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from app.workflow.context import Actor, Ctx
from app.workflow.records import AuditEntry

GENESIS = "0" * 64


def canonical_bytes(entry: AuditEntry) -> bytes:
    body = {
        "seq": entry.seq,
        "id": str(entry.id),
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "data": entry.data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_bytes(entry)).hexdigest()


def record(
    ctx: Ctx,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: object,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction; it commits or rolls back with the change."""
    tail = ctx.store.audit_tail()
    seq = 0 if tail is None else tail.seq + 1
    prev = GENESIS if tail is None else tail.entry_hash
    # Built field by field, twice (without, then with its hash): this is the hottest path of a
    # simulation, and the bytes hashed are exactly those of the stored entry.
    entry_id, at, label, subject = ctx.new_id(), ctx.clock.now(), actor.label(), str(subject_id)
    payload = _jsonable(data) if data else {}
    unhashed = AuditEntry(seq, entry_id, at, label, action, subject_type, subject, payload, prev)
    entry = AuditEntry(
        seq,
        entry_id,
        at,
        label,
        action,
        subject_type,
        subject,
        payload,
        prev,
        link_hash(prev, unhashed),
    )
    ctx.store.append_audit(entry)
    return entry


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    size: int
    head: str
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain(entries: list[AuditEntry]) -> ChainCheck:
    """Recompute every link; name the first entry that does not verify."""
    prev = GENESIS
    for expected_seq, entry in enumerate(entries):
        if entry.seq != expected_seq:
            return ChainCheck(
                False, len(entries), prev, expected_seq, "an entry is missing or moved"
            )
        if entry.prev_hash != prev:
            return ChainCheck(
                False, len(entries), prev, entry.seq, "the link to the previous entry is broken"
            )
        if link_hash(prev, entry) != entry.entry_hash:
            return ChainCheck(False, len(entries), prev, entry.seq, "the entry was altered")
        prev = entry.entry_hash
    return ChainCheck(True, len(entries), prev)


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in entry.__dataclass_fields__}


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so what is hashed is exactly what a store gives back."""
    try:
        # Plain data (str keys; str, int, float, bool, None, lists, dicts) comes back from the
        # round trip unchanged but for key order and tuples, so copy it that way, faster.
        plain: dict[str, Any] = _plain_copy(data)
        return plain
    except TypeError:
        return dict(json.loads(json.dumps(data, sort_keys=True, default=str)))


_SCALARS = (str, int, float, bool, type(None))


def _plain_copy(value: Any) -> Any:
    """A sorted-key deep copy of plain JSON data; TypeError for anything else (a UUID, an
    enum, a non-finite float), which then takes the JSON round trip."""
    kind = type(value)
    if kind in _SCALARS:
        if kind is float and not math.isfinite(value):
            raise TypeError("non-finite float")
        return value
    if kind is dict:
        out = {}
        for key in sorted(value):
            if type(key) is not str:
                raise TypeError("non-string key")
            out[key] = _plain_copy(value[key])
        return out
    if kind is list or kind is tuple:
        return [_plain_copy(item) for item in value]
    raise TypeError(kind.__name__)
