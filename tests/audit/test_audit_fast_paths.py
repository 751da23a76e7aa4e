"""The audit append's shortcuts build exactly what the plain code builds."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from app.clock import SimulatedClock
from app.policies.registry import load_policy
from app.store.memory import MemoryStore
from app.workflow import audit
from app.workflow.context import SYSTEM, Ctx
from app.workflow.records import AuditEntry


def test_an_entry_built_through_its_slots_is_the_constructed_entry() -> None:
    values = (
        7,
        UUID(int=42),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "operator:x",
        "notice.sent",
        "notice",
        "abc",
        {"a": [1, 2]},
        "0" * 64,
        "1" * 64,
        "2" * 64,
    )
    fast, slow = audit._new_entry(*values), AuditEntry(*values)
    assert type(fast) is AuditEntry
    assert fast == slow and repr(fast) == repr(slow)
    assert dataclasses.astuple(fast) == dataclasses.astuple(slow)
    # Frozen like any other entry.
    try:
        fast.seq = 8  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("an entry built through its slots must stay frozen")


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**128 - 1), st.integers(min_value=0, max_value=2**128 - 1)
)
def test_record_writes_ids_as_uuid_writes_them(entry_number: int, subject_number: int) -> None:
    """record() formats a UUID's text itself; it must be uuid.py's str(), digit for digit."""
    entry_id, subject = UUID(int=entry_number), UUID(int=subject_number)
    ctx = Ctx(
        MemoryStore(),
        SimulatedClock(datetime(2026, 1, 1, tzinfo=UTC)),
        load_policy("privacy-by-design"),
        lambda: entry_id,
    )
    entry = audit.record(ctx, SYSTEM, "test.step", "test", subject)
    assert entry.id is entry_id and entry.subject_id == str(subject)
    assert entry.entry_hash == audit.link_hash(audit.GENESIS, entry)  # hashed str(entry.id)
    # Anything else is written by str(), as before.
    assert audit.record(ctx, SYSTEM, "test.step", "test", 12).subject_id == "12"
