"""The audit append writes its canonical bytes with orjson only where orjson writes exactly what
the definition (json.dumps, sorted keys, compact, ensure_ascii=False) writes: entry bytes and
hashes are unchanged, so stored logs, exports and the offline verifier still agree."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.clock import SimulatedClock
from app.policies.registry import load_policy
from app.sim.seeds import id_source
from app.store.memory import MemoryStore
from app.workflow import audit, merkle
from app.workflow.audit import _encode, _json_canonical, _payload, canonical_bytes, link_hash
from app.workflow.context import SYSTEM, Ctx
from app.workflow.records import AuditEntry

# Every code point a str can hold but lone surrogates (which no UTF-8 text holds; they are
# checked on their own below): controls, quotes, backslashes, U+2028, astral planes.
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
tricky_texts = st.sampled_from(
    ["", '"', "\\", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "é", "\U0001f600", "\ufeff"]
)
floats = st.floats() | st.sampled_from(
    [0.0, -0.0, 1e-4, 9.99e-5, 1e-5, 1e-7, 5e-324, 1e16, 1e15, 1e22, 1.5e300, 0.1 + 0.2]
)
integers = st.integers() | st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63) - 1])
scalars = st.none() | st.booleans() | integers | floats | texts | tricky_texts
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(texts | tricky_texts, children, max_size=4)
    ),
    max_leaves=25,
)
payloads = st.dictionaries(texts | tricky_texts, json_values, max_size=6)
POLICY = load_policy("privacy-by-design")


def body_of(seq: int, payload: dict[str, Any], action: str = "notice.sent") -> dict[str, Any]:
    return {
        "seq": seq,
        "id": "0b5c3e1a-65a4-4c39-8a0b-6f0d2c7f9e21",
        "at": "2021-05-01T12:00:00+00:00",
        "actor": "operator:00000000-0000-0000-0000-000000000000",
        "action": action,
        "subject_type": "notice",
        "subject_id": "x",
        "data": payload,
    }


@settings(max_examples=300)
@given(payloads, st.integers(min_value=0, max_value=2**40))
@example({"a": 1e-5, "b": [float("nan"), float("inf"), -0.0]}, 0)
@example({"big": 2**64, "\x00": "\x1f\u2028"}, 7)
def test_the_fast_encoder_writes_the_definitions_bytes(data: dict[str, Any], seq: int) -> None:
    payload, plain = _payload(data)
    body = body_of(seq, payload)
    assert _encode(body, plain) == _json_canonical(body)
    if plain:
        # Not only through the fallback: orjson itself writes these bytes, unless it refuses.
        try:
            fast = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            return
        assert fast == _json_canonical(body)


def test_values_orjson_writes_differently_take_the_definition() -> None:
    for value in (1e-5, 9.99e-5, float("nan"), float("inf"), -float("inf")):
        payload, plain = _payload({"v": value})
        assert not plain
        body = body_of(0, payload)
        assert _encode(body, plain) == _json_canonical(body)
    # Values that are not plain JSON take the JSON round trip, and then the definition.
    payload, plain = _payload({"u": UUID(int=5), "t": datetime(2020, 1, 1, tzinfo=UTC)})
    assert not plain and payload == {
        "t": "2020-01-01 00:00:00+00:00",
        "u": "00000000-0000-0000-0000-000000000005",
    }


def test_a_lone_surrogate_fails_as_it_did() -> None:
    body = body_of(0, {"s": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        _json_canonical(body)
    with pytest.raises(UnicodeEncodeError):
        _encode(body, True)


@settings(max_examples=60, deadline=None)
@given(st.lists(payloads, min_size=1, max_size=6))
def test_recorded_entries_hash_their_canonical_bytes(datas: list[dict[str, Any]]) -> None:
    """What record() stores verifies under the definition: link, leaf and Merkle root."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    clock = SimulatedClock(start)
    ctx = Ctx(MemoryStore(), clock, POLICY, id_source(5))
    entries = []
    for n, data in enumerate(datas):
        if n % 3 == 2:
            clock.advance(timedelta(seconds=n))  # a new instant, and the same one again
        entries.append(audit.record(ctx, SYSTEM, "test.step", "test", n, data))
    prev = audit.GENESIS
    for entry, data in zip(entries, datas, strict=True):
        # The stored copy is what a JSON round trip gives, key order included (NaN-safe text).
        assert json.dumps(entry.data) == json.dumps(_payload(data)[0])
        canonical = canonical_bytes(entry)
        assert entry.entry_hash == link_hash(prev, entry)
        assert entry.leaf_hash == merkle.leaf_hash(canonical).hex()
        assert entry.at.isoformat() in canonical.decode()
        prev = entry.entry_hash
    leaves = [bytes.fromhex(e.leaf_hash) for e in entries]
    assert audit.root_at(ctx, len(entries)) == merkle.tree_hash(leaves)


def test_interleaved_logs_link_each_to_its_own_previous_entry() -> None:
    """record() reuses the bytes of the link hash it made last; two logs appended in turns
    (and a third whose tail is a copy of the text) must still each link to their own entry."""
    clock = SimulatedClock(datetime(2020, 1, 1, tzinfo=UTC))
    ctxs = [Ctx(MemoryStore(), clock, POLICY, id_source(n)) for n in (1, 2)]
    for n in range(6):
        audit.record(ctxs[n % 2], SYSTEM, "test.step", "test", n, {"n": n})
    for ctx in ctxs:
        entries = ctx.store.audit_entries(0, 10)
        assert len(entries) == 3 and audit.verify_chain(entries).ok

    class CopiedTail(MemoryStore):
        """A store handing back its tail's hash as a new, equal text (as SQL does)."""

        def audit_tail(self) -> AuditEntry | None:
            tail = super().audit_tail()
            if tail is None:
                return None
            return dataclasses.replace(tail, entry_hash="".join(list(tail.entry_hash)))

    copied = Ctx(CopiedTail(), clock, POLICY, id_source(3))
    for n in range(3):
        audit.record(copied, SYSTEM, "test.step", "test", n)
    assert audit.verify_chain(copied.store.audit_entries(0, 10)).ok


def test_a_fixed_log_keeps_the_hashes_it_had() -> None:
    """Pinned from the code before the fast path (json.dumps, two AuditEntry builds)."""
    ctx = Ctx(
        MemoryStore(),
        SimulatedClock(datetime(2019, 3, 1, tzinfo=UTC)),
        load_policy("privacy-by-design"),
        id_source(42),
    )
    datas: list[dict[str, Any] | None] = [
        None,
        {"name": "Lakeview PD", "radius_m": 402.336, "lat": 28.0395, "tiny": 1e-5},
        {"nested": {"b": [1, 2.5, None, True], "a": "é\u2028\x00"}, "t": (1, "x")},
        {"id": UUID(int=7), "big": 2**70, "nan": float("nan")},
        {"emoji": "\U0001f600", "neg": -0.0, "e": 1e16},
    ]
    for n, data in enumerate(datas):
        ctx.clock.advance(timedelta(minutes=n))  # type: ignore[attr-defined]
        audit.record(ctx, SYSTEM, f"test.{n}", "test", n, data)
    tail = ctx.store.audit_tail()
    assert tail is not None
    assert tail.entry_hash == PINNED_HEAD
    assert audit.root_at(ctx, len(datas)).hex() == PINNED_ROOT


PINNED_HEAD = "ea5d87f9fc7b4db76f7546a13b8f5fae52893f55fc350402a620d5612ba9e2d1"
PINNED_ROOT = "d46af2977ee16a6825590cb1ee473ca90b75d93206dcc92d20e3c9f58bbbb8a0"


def test_non_finite_floats_are_not_plain() -> None:
    assert not _payload({"x": math.inf})[1]
