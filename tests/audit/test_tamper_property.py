"""Any deletion, edit, insertion, reordering or truncation of the exported log is detected.

A naive tamperer changes lines and keeps the hashes: the verifier names exactly the first
changed entry. A careful one renumbers and rehashes everything after the change: the signed
root (or the auditor's saved checkpoint, when the bundle's own checkpoint is swapped for an
older genuine one) still gives it away.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit.verifier import entry_line, verify_entries
from app.workflow import merkle
from app.workflow.audit import GENESIS, canonical_body_bytes
from app.workflow.signed_note import Checkpoint, sign_checkpoint
from tests.audit.helpers import exported, fixed_signer, memory_log

SIZE = 24
SIGNER = fixed_signer()
PINNED = SIGNER.verifier
CTX = memory_log(SIZE)
LINES, CHECKPOINT = exported(CTX, SIGNER)
ENTRIES: list[dict[str, Any]] = [json.loads(line) for line in LINES]


def _rehash(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a careful tamperer does: renumber, then recompute every leaf and chain hash."""
    prev = GENESIS
    out = []
    for seq, entry in enumerate(entries):
        entry = {**entry, "seq": seq, "prev_hash": prev}
        body = canonical_body_bytes(entry)
        entry["leaf_hash"] = merkle.leaf_hash(body).hex()
        entry["entry_hash"] = hashlib.sha256(bytes.fromhex(prev) + body).hexdigest()
        prev = entry["entry_hash"]
        out.append(entry)
    return out


def test_the_untouched_export_verifies() -> None:
    verdict = verify_entries(LINES, CHECKPOINT, PINNED, [CHECKPOINT])
    assert verdict.ok, verdict.problems
    assert verdict.size == SIZE


@st.composite
def tampering(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], int]:
    """A tampered copy of the entries and the first entry the change touches."""
    kind = draw(st.sampled_from(["delete", "edit", "insert", "reorder", "truncate"]))
    entries = [dict(e) for e in ENTRIES]
    i = draw(st.integers(0, SIZE - 1))
    if kind == "delete":
        del entries[i]
    elif kind == "edit":
        name = draw(st.sampled_from(["actor", "action", "subject_id", "data", "at", "id"]))
        value = {"n": -1} if name == "data" else entries[i][name] + "x"
        entries[i] = {**entries[i], name: value}
    elif kind == "insert":
        i = draw(st.integers(0, SIZE))
        source = draw(st.integers(0, SIZE - 1))
        entries.insert(i, {**entries[source], "data": {"forged": True}})
    elif kind == "reorder":
        j = draw(st.integers(0, SIZE - 1).filter(lambda j: j != i))
        i, j = min(i, j), max(i, j)
        entries[i], entries[j] = entries[j], entries[i]
    else:
        del entries[i:]
    return kind, entries, i


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tampering())
def test_a_naive_tamperer_is_named(case: tuple[str, list[dict[str, Any]], int]) -> None:
    kind, entries, first = case
    verdict = verify_entries([entry_line(e) for e in entries], CHECKPOINT, PINNED)
    assert not verdict.ok, kind
    assert verdict.first_bad_seq == first, (kind, verdict.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tampering(), st.booleans())
def test_a_careful_tamperer_is_caught(
    case: tuple[str, list[dict[str, Any]], int], swap_checkpoint: bool
) -> None:
    kind, entries, _ = case
    rewritten = _rehash(entries)
    lines = [entry_line(e) for e in rewritten]
    note = CHECKPOINT
    if swap_checkpoint and len(rewritten) < SIZE:
        # Truncation hidden behind an older, genuinely signed checkpoint of the shorter log:
        # only the checkpoint the auditor saved earlier exposes it.
        shorter = [bytes.fromhex(e["leaf_hash"]) for e in rewritten]
        genuine = rewritten == [dict(e) for e in ENTRIES[: len(rewritten)]]
        if genuine:
            note = sign_checkpoint(
                SIGNER, Checkpoint(SIGNER.name, len(shorter), merkle.tree_hash(shorter))
            )
    # Without a swapped checkpoint the bundle's own signed root must suffice: nothing saved.
    saved = [CHECKPOINT] if swap_checkpoint else []
    verdict = verify_entries(lines, note, PINNED, saved)
    assert not verdict.ok, (kind, swap_checkpoint)


def test_a_checkpoint_signed_by_another_key_is_not_trusted() -> None:
    impostor = fixed_signer(2)
    rewritten = _rehash([{**e, "data": {"n": 0}} for e in ENTRIES])
    leaves = [bytes.fromhex(e["leaf_hash"]) for e in rewritten]
    forged = sign_checkpoint(impostor, Checkpoint(impostor.name, SIZE, merkle.tree_hash(leaves)))
    verdict = verify_entries([entry_line(e) for e in rewritten], forged, PINNED)
    assert not verdict.ok
    assert "pinned key" in verdict.problems[0]
