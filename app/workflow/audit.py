"""The audit log: one entry per state change (invariant I7), in an RFC 9162 Merkle tree.

Each entry's canonical bytes are JSON with sorted keys and no spaces. Its leaf hash is
SHA-256(0x00 || canonical bytes) and the log's root commits to every entry in order; an append
stores the subtrees it completes (O(log n), see merkle.py), so roots, inclusion proofs and
consistency proofs are read from O(log n) stored nodes. The older hash chain
(SHA-256(previous hash || canonical bytes)) is kept beside it: it lets a reader name the first
altered entry without a checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from app.workflow import merkle
from app.workflow.context import Actor, Ctx
from app.workflow.records import AuditEntry

GENESIS = "0" * 64


def canonical_bytes(entry: AuditEntry) -> bytes:
    return canonical_body_bytes(
        {
            "seq": entry.seq,
            "id": str(entry.id),
            "at": entry.at.isoformat(),
            "actor": entry.actor,
            "action": entry.action,
            "subject_type": entry.subject_type,
            "subject_id": entry.subject_id,
            "data": entry.data,
        }
    )


CANONICAL_FIELDS = ("seq", "id", "at", "actor", "action", "subject_type", "subject_id", "data")


def canonical_body_bytes(body: dict[str, Any]) -> bytes:
    """The bytes a leaf hashes: the entry's fields (not its hashes) as sorted, compact JSON.

    Offline verifiers call this on an exported line as it stands, so the bytes an auditor
    hashes are exactly the bytes the service hashed.
    """
    picked = {name: body[name] for name in CANONICAL_FIELDS}
    return json.dumps(picked, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


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
    # Built field by field, twice (without, then with its hashes): this is the hottest path of
    # a simulation, and the bytes hashed are exactly those of the stored entry.
    entry_id, at, label, subject = ctx.new_id(), ctx.clock.now(), actor.label(), str(subject_id)
    payload = _jsonable(data) if data else {}
    unhashed = AuditEntry(seq, entry_id, at, label, action, subject_type, subject, payload, prev)
    canonical = canonical_bytes(unhashed)
    leaf = merkle.leaf_hash(canonical)
    entry_hash = hashlib.sha256(bytes.fromhex(prev) + canonical).hexdigest()  # = link_hash
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
        entry_hash,
        leaf.hex(),
    )
    ctx.store.append_audit(entry)
    frontier = ctx.store.merkle_nodes(merkle.frontier_keys(seq))
    ctx.store.add_merkle_nodes(merkle.append_nodes(seq, leaf, frontier))
    return entry


def log_size(ctx: Ctx) -> int:
    tail = ctx.store.audit_tail()
    return 0 if tail is None else tail.seq + 1


def root_at(ctx: Ctx, size: int) -> bytes:
    """The Merkle root of the first `size` entries, from O(log n) stored subtrees."""
    if size == 0:
        return merkle.EMPTY_ROOT
    return merkle.proof_hashes([(0, size)], ctx.store.merkle_nodes)[0]


def inclusion_proof(ctx: Ctx, index: int, size: int) -> list[bytes]:
    return merkle.proof_hashes(merkle.inclusion_ranges(index, size), ctx.store.merkle_nodes)


def consistency_proof(ctx: Ctx, size1: int, size2: int) -> list[bytes]:
    return merkle.proof_hashes(merkle.consistency_ranges(size1, size2), ctx.store.merkle_nodes)


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
