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
    entry = AuditEntry(
        seq=seq,
        id=ctx.new_id(),
        at=ctx.clock.now(),
        actor=actor.label(),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=_jsonable(data or {}),
        prev_hash=prev,
    )
    leaf = merkle.leaf_hash(canonical_bytes(entry))
    entry = AuditEntry(
        **{**_fields(entry), "entry_hash": link_hash(prev, entry), "leaf_hash": leaf.hex()}
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
    return dict(json.loads(json.dumps(data, sort_keys=True, default=str)))
