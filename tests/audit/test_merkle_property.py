"""Random sizes and indices: the log's proofs verify, any flipped bit is refused, and both
stores persist the same tree."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.clock import SimulatedClock
from app.db import Database
from app.policies import load_policy
from app.store.memory import MemoryStore
from app.workflow import audit, merkle
from app.workflow.context import SYSTEM, Ctx
from app.workflow.store import Store
from tests.audit.helpers import seeded_ids
from tests.conftest import START

N = 3000
LEAVES = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(N)]
NODES = merkle.build_nodes(LEAVES)
ROOTS = {n: merkle.range_hash(0, n, NODES) for n in range(1, N + 1)}


def _fetch(keys: list[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    return {k: NODES[k] for k in keys}


def _flip(proof: list[bytes], which: int, bit: int) -> list[bytes]:
    element = bytearray(proof[which])
    element[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:which], bytes(element), *proof[which + 1 :]]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, N), st.data())
def test_inclusion_proofs_verify_and_any_flipped_bit_fails(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    proof = merkle.proof_hashes(merkle.inclusion_ranges(index, size), _fetch)
    merkle.verify_inclusion(index, size, LEAVES[index], proof, ROOTS[size])
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        bad = _flip(proof, which, data.draw(st.integers(0, 255)))
        try:
            merkle.verify_inclusion(index, size, LEAVES[index], bad, ROOTS[size])
        except merkle.ProofError:
            return
        raise AssertionError("a flipped bit was accepted")


@settings(max_examples=300, deadline=None)
@given(st.integers(1, N), st.data())
def test_consistency_proofs_verify_and_any_flipped_bit_fails(
    size2: int, data: st.DataObject
) -> None:
    size1 = data.draw(st.integers(1, size2))
    proof = merkle.proof_hashes(merkle.consistency_ranges(size1, size2), _fetch)
    merkle.verify_consistency(size1, size2, ROOTS[size1], ROOTS[size2], proof)
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        bad = _flip(proof, which, data.draw(st.integers(0, 255)))
        try:
            merkle.verify_consistency(size1, size2, ROOTS[size1], ROOTS[size2], bad)
        except merkle.ProofError:
            return
        raise AssertionError("a flipped bit was accepted")


def _fill(store: Store, clock: SimulatedClock) -> tuple[bytes, list[bytes], list[bytes]]:
    ctx = Ctx(store, clock, load_policy("privacy-by-design"), seeded_ids(3))
    for i in range(45):
        clock.advance(timedelta(seconds=1))
        audit.record(ctx, SYSTEM, "test.step", "thing", i, {"i": i})
    return (
        audit.root_at(ctx, 45),
        audit.inclusion_proof(ctx, 17, 40),
        audit.consistency_proof(ctx, 13, 45),
    )


def test_sql_and_memory_stores_keep_the_same_tree(tmp_path: object) -> None:
    db = Database(f"sqlite:///{tmp_path}/merkle.db")
    db.create_schema()
    try:
        with db.write() as store:
            in_sql = _fill(store, SimulatedClock(START))
    finally:
        db.dispose()
    in_memory = _fill(MemoryStore(), SimulatedClock(START))
    assert in_sql == in_memory
    assert len(in_sql[1]) == 6 and in_sql[0] != merkle.EMPTY_ROOT


def test_sql_appends_split_over_transactions_keep_the_same_tree(tmp_path: object) -> None:
    # The SQL store remembers the nodes a transaction read or wrote; a transaction that starts
    # mid-tree must read the left siblings it lacks, and a root read afterwards, in its own
    # transaction, must be the tree a memory store builds from the same entries.
    db = Database(f"sqlite:///{tmp_path}/merkle-split.db")
    db.create_schema()
    clock, batches = SimulatedClock(START), (1, 2, 5, 1, 8, 3, 13, 12)
    ids = seeded_ids(3)
    try:
        appended = 0
        for size in batches:
            with db.write() as store:
                ctx = Ctx(store, clock, load_policy("privacy-by-design"), ids)
                for _ in range(size):
                    clock.advance(timedelta(seconds=1))
                    audit.record(ctx, SYSTEM, "test.step", "thing", appended, {"i": appended})
                    appended += 1
        with db.read() as store:
            ctx = Ctx(store, clock, load_policy("privacy-by-design"), ids)
            in_sql = (
                audit.root_at(ctx, 45),
                audit.inclusion_proof(ctx, 17, 40),
                audit.consistency_proof(ctx, 13, 45),
            )
    finally:
        db.dispose()
    assert appended == 45
    assert in_sql == _fill(MemoryStore(), SimulatedClock(START))
