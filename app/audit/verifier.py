"""The offline verifier: exported entries -> leaves -> root -> signature, under a pinned key.

It trusts only the verifier key the auditor pinned, never a key or identity the bundle or the
server reports. It names the first entry that fails where the bundle allows it: a deleted,
inserted, reordered or edited line breaks the sequence numbers or the entry's own hashes; a
tamperer who also rewrites every hash still cannot produce the signed root, and the auditor's
saved checkpoints then bound where the change lies.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app import strict_json
from app.workflow import merkle
from app.workflow.audit import CANONICAL_FIELDS, GENESIS, canonical_body_bytes
from app.workflow.merkle import NodeKey
from app.workflow.signed_note import Checkpoint, NoteError, Verifier, open_checkpoint

_TYPES: dict[str, type] = {
    "seq": int,
    "id": str,
    "at": str,
    "actor": str,
    "action": str,
    "subject_type": str,
    "subject_id": str,
    "data": dict,
    "prev_hash": str,
    "entry_hash": str,
    "leaf_hash": str,
}


@dataclass
class Verdict:
    ok: bool
    size: int = 0
    root: str = ""
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)
    saved_checked: int = 0

    def fail(self, problem: str, seq: int | None = None) -> Verdict:
        self.ok = False
        self.problems.append(problem)
        if seq is not None and (self.first_bad_seq is None or seq < self.first_bad_seq):
            self.first_bad_seq = seq
        return self


def parse_line(number: int, line: str | bytes) -> dict[str, Any]:
    """One exported entry, with every field present and of its type; else ValueError."""
    if isinstance(line, bytes):  # a bundle's file is read as bytes, a line at a time
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"line {number + 1} is not UTF-8 text") from None
    try:
        entry = strict_json.parse(line)
    except strict_json.RepeatedKey as exc:
        # Python's reader keeps the last value, another may keep the first: an entry whose
        # hashes check under one reading could show an auditor the other.
        raise ValueError(
            f"line {number + 1} (where entry {number} belongs) gives the key "
            f"{json.dumps(exc.key)} more than once in one object: readers differ on which "
            "value it holds"
        ) from None
    except strict_json.NonFinite as exc:
        raise ValueError(f"line {number + 1} is not JSON ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {number + 1} is not JSON ({exc.msg})") from None
    except RecursionError:  # a hostile bundle's "[[[[...": a finding, not a crash
        raise ValueError(f"line {number + 1} is not JSON (nested too deeply)") from None
    if not isinstance(entry, dict):
        raise ValueError(f"line {number + 1} is not a JSON object")
    for name, kind in _TYPES.items():
        value = entry.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(
                f"line {number + 1}: field {name!r} is missing or not a {kind.__name__}"
            )
    return entry


def _entry_hash(prev: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev) + canonical_body_bytes(entry)).hexdigest()


class _KeptTree:
    """The bundle's Merkle tree fed a leaf at a time, holding only its frontier and the nodes the
    checks after the fold read (`keep`): holding every leaf and node, as this verifier did,
    took gigabytes for a million-camera year's 3.6 million entries."""

    PAGE = 4096  # leaves folded between two trims

    def __init__(self, keep: set[NodeKey]) -> None:
        self.size = 0
        self.nodes: dict[NodeKey, bytes] = {}
        self._keep = keep
        self._pending: list[bytes] = []

    def add(self, leaf: bytes) -> None:
        self._pending.append(leaf)
        if len(self._pending) >= self.PAGE:
            self.fold()

    def fold(self) -> None:
        self.size = merkle.fold_leaves(self.size, self._pending, self.nodes)
        self._pending.clear()
        kept = self._keep.union(merkle.frontier_keys(self.size))
        self.nodes = {key: value for key, value in self.nodes.items() if key in kept}


def _nodes_read(signed_size: int, saved_sizes: Iterable[int]) -> set[NodeKey]:
    """The nodes the saved-checkpoint checks read: each one's root, and the consistency proof
    from it to the signed checkpoint."""
    keys: set[NodeKey] = set()
    for size in saved_sizes:
        ranges = [(0, size)]
        if 0 < size <= signed_size:
            ranges += merkle.consistency_ranges(size, signed_size)
        keys.update(key for start, end in ranges for key in merkle.range_nodes(start, end))
    return keys


def verify_entries(
    lines: Iterable[str | bytes],
    checkpoint_note: str,
    pinned: Verifier,
    saved_notes: Sequence[str] = (),
) -> Verdict:
    """Check an exported log against its signed checkpoint and the auditor's saved ones.

    `lines` is read once, in order (a bundle's file streams through): what is held is the
    tree's frontier and the few nodes the saved checkpoints need, not the log."""
    verdict = Verdict(ok=True)
    try:
        signed = open_checkpoint(checkpoint_note, pinned, origin=pinned.name)
    except NoteError as exc:
        return verdict.fail(f"the bundle's checkpoint: {exc}")
    verdict.size, verdict.root = signed.size, base64.b64encode(signed.root).decode()
    saved: list[Checkpoint] = []
    for number, note in enumerate(saved_notes):
        try:
            saved.append(open_checkpoint(note, pinned, origin=pinned.name))
        except NoteError as exc:
            return verdict.fail(f"saved checkpoint {number + 1}: {exc}")

    tree = _KeptTree(_nodes_read(signed.size, (cp.size for cp in saved)))
    prev = GENESIS
    for number, line in enumerate(lines):
        try:
            entry = parse_line(number, line)
        except ValueError as exc:
            return verdict.fail(str(exc), number)
        seq = entry["seq"]
        if seq != number:
            what = (
                f"entry {number} is missing (line {number + 1} holds entry {seq})"
                if seq > number
                else f"line {number + 1} holds entry {seq} where entry {number} belongs "
                "(inserted or reordered)"
            )
            return verdict.fail(what, number)
        leaf = merkle.leaf_hash(canonical_body_bytes(entry))
        if leaf.hex() != entry["leaf_hash"] or entry["entry_hash"] != _entry_hash(prev, entry):
            return verdict.fail(
                f"entry {seq} was altered: its content does not match its hashes", seq
            )
        if entry["prev_hash"] != prev:
            return verdict.fail(f"entry {seq} does not link to the entry before it", seq)
        tree.add(leaf)
        prev = entry["entry_hash"]
    tree.fold()
    size, nodes = tree.size, tree.nodes

    if size < signed.size:
        verdict.fail(
            f"the log was truncated: the checkpoint commits to {signed.size} entries, the bundle "
            f"holds {size}",
            size,
        )
    elif size > signed.size:
        verdict.fail(
            f"entries {signed.size} to {size - 1} are not covered by the signed checkpoint",
            signed.size,
        )
    elif merkle.range_hash(0, size, nodes) != signed.root:
        verdict.fail("the entries do not produce the signed root: hashes were rewritten")

    good_below = 0
    for cp in sorted(saved, key=lambda c: c.size):
        verdict.saved_checked += 1
        if cp.size > size:
            verdict.fail(
                f"a saved checkpoint commits to {cp.size} entries but the log now holds "
                f"{size}: entries were removed",
                size,
            )
            continue
        if cp.size == 0 or merkle.range_hash(0, cp.size, nodes) == cp.root:
            good_below = max(good_below, cp.size)
            if cp.size and cp.size <= signed.size and size >= signed.size:
                proof = merkle.proof_hashes(
                    merkle.consistency_ranges(cp.size, signed.size), lambda keys: nodes
                )
                try:
                    merkle.verify_consistency(cp.size, signed.size, cp.root, signed.root, proof)
                except merkle.ProofError as exc:
                    verdict.fail(f"the saved checkpoint of size {cp.size} is not extended: {exc}")
            continue
        verdict.fail(
            f"the first {cp.size} entries no longer match your saved checkpoint of that size: "
            f"an entry from {good_below} to {cp.size - 1} was changed",
            good_below,
        )
    if not verdict.ok and verdict.first_bad_seq is None and saved:
        verdict.first_bad_seq = good_below if good_below < size else None
    return verdict


def entry_line(entry: dict[str, Any]) -> str:
    """How an entry is exported: its canonical fields plus its hashes, one JSON line."""
    names = (*CANONICAL_FIELDS, "prev_hash", "entry_hash", "leaf_hash")
    fields = {name: entry[name] for name in names}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
