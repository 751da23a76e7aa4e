"""The simulation bench's audit floor measures the work `audit.record` really does: the same
leaf and link hashes for the same entry (else the bound it gives would mean nothing)."""

from __future__ import annotations

import uuid

from app.clock import SimulatedClock
from app.policies import load_policy
from app.sim.bench import audit_floor_per_second, floor_entry
from app.store.memory import MemoryStore
from app.workflow import audit
from app.workflow.context import SYSTEM, Ctx
from tests.conftest import START


def test_the_floor_hashes_what_audit_record_stores() -> None:
    ids = iter([uuid.UUID(int=7, version=4), uuid.UUID(int=8, version=4)])
    ctx = Ctx(MemoryStore(), SimulatedClock(START), load_policy("privacy-by-design"), ids.__next__)
    data = {"resident_id": "r-1", "clips": [1, 2], "a": {"z": 1, "b": None}}
    entries = [
        audit.record(ctx, SYSTEM, "camera.created", "camera", subject, data)
        for subject in ("c-1", "c-2")
    ]
    prev = bytes.fromhex(audit.GENESIS)
    for entry in entries:
        leaf, prev = floor_entry(
            entry.seq,
            str(entry.id),
            START.isoformat(),
            entry.actor,
            entry.action,
            f"{entry.subject_type}:{entry.subject_id}",
            data,
            prev,
        )
        assert (leaf.hex(), prev.hex()) == (entry.leaf_hash, entry.entry_hash)


def test_the_floor_is_a_rate() -> None:
    assert audit_floor_per_second(count=200) > 0
