"""Invariant I7, the audit log: the chain recomputes from the specification, earlier entries
never change, a refused call writes nothing, and every state change has its entry."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from app.verification.driver_api import RECORD_KINDS, Snapshot
from app.verification.findings import Finding, violation
from app.workflow.records import AuditEntry, Consent

GENESIS = "0" * 64
# Kinds whose creation the log must record with exactly one entry naming the record.
LOGGED_KINDS = RECORD_KINDS


def _canonical(entry: AuditEntry) -> bytes:
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


def chain_breaks(entries: list[AuditEntry]) -> str | None:
    """Recompute the hash chain from the specification (docs/architecture.md, "Audit log")."""
    prev = GENESIS
    for expected, entry in enumerate(entries):
        if entry.seq != expected:
            return f"entry {expected} is missing or moved"
        if entry.prev_hash != prev:
            return f"entry {entry.seq} does not link to its predecessor"
        digest = hashlib.sha256(bytes.fromhex(prev) + _canonical(entry)).hexdigest()
        if digest != entry.entry_hash:
            return f"entry {entry.seq} does not hash to its stored hash"
        prev = entry.entry_hash
    return None


def check_audit(before: Snapshot, after: Snapshot, *, refused: bool, action: str) -> list[Finding]:
    out: list[Finding] = []
    broken = chain_breaks(after.audit)
    if broken:
        out.append(violation("I7", f"the audit log does not verify: {broken}"))
    if after.audit[: len(before.audit)] != before.audit:
        out.append(violation("I7", "an earlier audit entry changed or disappeared"))
    # An entry for a no-op (the same partnership status set twice) over-reports; it breaks
    # nothing the log is for, so only a change without an entry is flagged.
    changed = _state(after) != _state(before)
    # Decision records (a refusal is logged as one, after its rollback) are not state changes.
    grew = any(not e.action.startswith("decision.") for e in after.audit[len(before.audit) :])
    if refused and (after.records != before.records or grew):
        out.append(violation("I7", f"the refused call ({action}) wrote state or log entries"))
    elif changed and not grew:
        out.append(violation("I7", f"{action} changed state without an audit entry"))
    subjects: dict[str, int] = {}
    for entry in after.audit[len(before.audit) :]:
        subjects[entry.subject_id] = subjects.get(entry.subject_id, 0) + 1
    old_ids = {r.id for kind in LOGGED_KINDS for r in before.records.get(kind, [])}
    for kind in LOGGED_KINDS:
        for record in after.records.get(kind, []):
            if record.id not in old_ids and subjects.get(str(record.id), 0) < 1:
                out.append(violation("I7", f"a new {kind.__name__} was stored with no audit entry"))
    return out


def _state(snapshot: Snapshot) -> dict[type[Any], list[Any]]:
    """The records, less the gate's own bookkeeping flag (which clips are still to release)."""
    out = dict(snapshot.records)
    out[Consent] = [replace(c, release_pending=False) for c in snapshot.of(Consent)]
    return out
