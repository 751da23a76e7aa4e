"""The audit append's shortcuts build exactly what the plain code builds."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import UUID

from app.workflow import audit
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
