"""The audit log: one entry per state change (invariant I7), in an RFC 9162 Merkle tree.

Each entry's canonical bytes are JSON with sorted keys and no spaces. Its leaf hash is
SHA-256(0x00 || canonical bytes) and the log's root commits to every entry in order; an append
stores the subtrees it completes (O(log n), see merkle.py), so roots, inclusion proofs and
consistency proofs are read from O(log n) stored nodes. The older hash chain
(SHA-256(previous hash || canonical bytes)) is kept beside it: it lets a reader name the first
altered entry without a checkpoint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

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
    return _json_canonical({name: body[name] for name in CANONICAL_FIELDS})


def link_hash(prev_hash: str, entry: AuditEntry) -> str:
    return link_of(prev_hash, canonical_bytes(entry))


def link_of(prev_hash: str, body: bytes) -> str:
    """The link hash over an entry's canonical bytes (`canonical_bytes`), given."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + body).hexdigest()


def record(
    ctx: Ctx,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: object,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction; it commits or rolls back with the change."""
    global _last_link
    store = ctx.store
    tail = store.audit_tail()
    if tail is None:
        seq, prev = 0, GENESIS
    else:
        seq, prev = tail.seq + 1, tail.entry_hash
    # This is the hottest path of a simulation. The bytes hashed are those canonical_bytes()
    # gives for the stored entry, built here from the same fields without a first, unhashed
    # entry; `_encode` writes them with orjson where it is proven to write what json.dumps does.
    entry_id, at, label = ctx.new_id(), ctx.clock.now(), actor.label()
    subject = _id_text(subject_id)
    payload, plain = _payload(data) if data else ({}, True)
    canonical = _encode(
        {
            "seq": seq,
            "id": _id_text(entry_id),
            "at": _isoformat(at),
            "actor": label,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject,
            "data": payload,
        },
        plain and type(action) is str and type(subject_type) is str,
    )
    leaf = _sha256(b"\x00" + canonical).digest()  # = merkle.leaf_hash(canonical)
    # = link_hash: the previous hash's bytes are those this process made with its text
    # (compared by identity, so another store's or thread's entry takes fromhex).
    cached_link = _last_link
    prev_bytes = cached_link[1] if cached_link[0] is prev else bytes.fromhex(prev)
    link = _sha256(prev_bytes + canonical).digest()
    entry_hash = link.hex()
    _last_link = (entry_hash, link)
    entry = _new_entry(
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
    store.append_audit(entry)
    add_leaf = getattr(store, "add_merkle_leaf", None)
    if add_leaf is not None:
        add_leaf(seq, leaf)  # the memory store folds its nodes in when they are read
    else:
        # An append reads only the left siblings it completes (a subset of the frontier).
        siblings = store.merkle_nodes(merkle.append_reads(seq))
        store.add_merkle_nodes(merkle.append_nodes(seq, leaf, siblings))
    return entry


def _id_text(value: object) -> str:
    """str(value), with a UUID's text written as uuid.py's __str__ writes it but without that
    call (tests/audit/test_audit_fast_paths.py): two per entry, its own id and most subjects."""
    if type(value) is UUID:
        h = "%032x" % value.int  # noqa: UP031 (uuid.py's own format, faster than a spec)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return str(value)


# The last link hash made, as (its text, its bytes): the next append's previous hash is that
# text, and taking its bytes back saves a fromhex per entry. One tuple, swapped whole (threads
# never see a torn pair); matched by the text object's identity, never by equality alone.
_last_link: tuple[object, bytes] = (None, b"")


_sha256 = hashlib.sha256

_ENTRY_FIELDS = (*CANONICAL_FIELDS, "prev_hash", "entry_hash", "leaf_hash")


def _entry_builder() -> Callable[..., AuditEntry]:
    """What AuditEntry(*fields) builds, without the frozen dataclass's __init__.

    That __init__ sets each of the eleven fields through object.__setattr__ (frozen); setting
    the slots through their descriptors directly builds the same entry in half the time, and
    an append builds one per state change. Refused at import if the class changes shape: a
    field added or moved, or a __post_init__ that this would skip (tests/audit/
    test_audit_fast_paths.py compares entries built both ways).
    """
    if tuple(f.name for f in dataclasses.fields(AuditEntry)) != _ENTRY_FIELDS or hasattr(
        AuditEntry, "__post_init__"
    ):
        raise TypeError("AuditEntry changed: update audit._entry_builder")
    slots = vars(AuditEntry)
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10 = (slots[n].__set__ for n in _ENTRY_FIELDS)
    new = object.__new__

    def new_entry(
        seq: int,
        entry_id: UUID,
        at: datetime,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        data: dict[str, Any],
        prev_hash: str,
        entry_hash: str,
        leaf_hash: str,
    ) -> AuditEntry:
        entry: AuditEntry = new(AuditEntry)
        s0(entry, seq)
        s1(entry, entry_id)
        s2(entry, at)
        s3(entry, actor)
        s4(entry, action)
        s5(entry, subject_type)
        s6(entry, subject_id)
        s7(entry, data)
        s8(entry, prev_hash)
        s9(entry, entry_hash)
        s10(entry, leaf_hash)
        return entry

    return new_entry


_new_entry = _entry_builder()

# The last instant written and its ISO text: a simulated clock hands the same datetime object
# to every entry of one event. One tuple, swapped whole, so threads never see a torn pair; the
# tuple holds the datetime, so its identity cannot be reused by another object meanwhile.
_last_iso: tuple[object, str] = (None, "")


def _isoformat(at: datetime) -> str:
    global _last_iso
    cached = _last_iso
    if cached[0] is at:
        return cached[1]
    text = at.isoformat()
    _last_iso = (at, text)
    return text


def _json_canonical(body: dict[str, Any]) -> bytes:
    """The definition of the canonical form (see canonical_body_bytes)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


_ORJSON_SORTED = orjson.OPT_SORT_KEYS


def _encode(body: dict[str, Any], plain: bool) -> bytes:
    """The canonical bytes of `body`, exactly as _json_canonical writes them.

    `plain` promises that `body` holds only exact str, int, bool, None, list and dict values
    (str keys) and floats that orjson writes as repr() does (`_orjson_float_ok`). On such data
    orjson with sorted keys writes the same bytes as json.dumps with sorted keys, compact
    separators and ensure_ascii=False (a property test in tests/audit/test_canonical_encoder.py
    checks it); where orjson refuses (an int beyond 64 bits, a lone surrogate) the definition
    answers, as it does for anything not promised plain.
    """
    if plain:
        try:
            return orjson.dumps(body, option=_ORJSON_SORTED)
        except orjson.JSONEncodeError:
            pass
    return _json_canonical(body)


def _orjson_float_ok(value: float) -> bool:
    """orjson writes this float as json.dumps does (float.__repr__): true of most floats, not
    of some below 1e-4 (orjson writes 1e-05 as 0.00001) nor of NaN and infinities."""
    return orjson.dumps(value) == float.__repr__(value).encode()


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
    chain = ChainVerifier()
    chain.feed(entries)
    return chain.result()


class ChainVerifier:
    """`verify_chain` a page at a time, so a long log need not be held whole (GET /audit/verify
    reads it in pages). Past the first bad entry it only counts."""

    def __init__(self) -> None:
        self.size, self.head = 0, GENESIS
        self.failed: tuple[int, str] | None = None  # (sequence number, reason)

    def feed(self, entries: list[AuditEntry], bodies: list[bytes] | None = None) -> None:
        """`bodies`: the entries' canonical bytes, when the caller has them already."""
        for i, entry in enumerate(entries):
            if self.failed is None:
                prev = self.head
                body = canonical_bytes(entry) if bodies is None else bodies[i]
                if entry.seq != self.size:
                    self.failed = (self.size, "an entry is missing or moved")
                elif entry.prev_hash != prev:
                    self.failed = (entry.seq, "the link to the previous entry is broken")
                elif link_of(prev, body) != entry.entry_hash:
                    self.failed = (entry.seq, "the entry was altered")
                else:
                    self.head = entry.entry_hash
            self.size += 1

    def result(self) -> ChainCheck:
        if self.failed is None:
            return ChainCheck(True, self.size, self.head)
        return ChainCheck(False, self.size, self.head, *self.failed)


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in entry.__dataclass_fields__}


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so what is hashed is exactly what a store gives back."""
    return _payload(data)[0]


def _payload(data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The stored copy of `data` (its JSON round trip), and whether `_encode` may take orjson."""
    try:
        # Plain data (str keys; str, int, float, bool, None, lists, dicts) comes back from the
        # round trip unchanged but for key order and tuples, so copy it that way, faster.
        plain: dict[str, Any] = _plain_copy(data)
        return plain, True
    except TypeError:
        copied = dict(json.loads(json.dumps(data, sort_keys=True, default=str)))
        return copied, False


_SCALARS = (str, int, bool, type(None))


def _plain_copy(value: Any) -> Any:
    """A sorted-key deep copy of plain JSON data; TypeError for anything else (a UUID, an
    enum, a non-finite float, or a float orjson writes differently from json), which then
    takes the JSON round trip."""
    kind = type(value)
    if kind is dict:
        return _copy_dict(value)
    if kind is list or kind is tuple:
        return _copy_list(value)
    if kind in _SCALARS:
        return value
    if kind is float and _orjson_float_ok(value):
        return value
    raise TypeError(f"{kind.__name__} is not plain JSON data (or a float orjson writes apart)")


# The two containers copy their items with the same tests inline, not through a call of
# _plain_copy per item: scalars (the hot case) cost no call, containers one.


def _copy_dict(value: dict[Any, Any]) -> dict[str, Any]:
    out = {}
    for key in sorted(value):
        if type(key) is not str:
            raise TypeError("non-string key")
        item = value[key]
        kind = type(item)
        if kind in _SCALARS:
            out[key] = item
        elif kind is dict:
            out[key] = _copy_dict(item)
        elif kind is list or kind is tuple:
            out[key] = _copy_list(item)
        elif kind is float and _orjson_float_ok(item):
            out[key] = item
        else:
            raise TypeError(kind.__name__)
    return out


def _copy_list(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    out = []
    for item in value:
        kind = type(item)
        if kind in _SCALARS:
            out.append(item)
        elif kind is dict:
            out.append(_copy_dict(item))
        elif kind is list or kind is tuple:
            out.append(_copy_list(item))
        elif kind is float and _orjson_float_ok(item):
            out.append(item)
        else:
            raise TypeError(kind.__name__)
    return out
