"""The memory store folds Merkle nodes in when they are read, not at every append: every read
must give what eager appends (and the tree's definition) give."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.clock import SimulatedClock
from app.policies.registry import load_policy
from app.sim.seeds import id_source
from app.store.memory import MemoryStore
from app.workflow import audit, merkle
from app.workflow.context import SYSTEM, Ctx

POLICY = load_policy("privacy-by-design")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=70))
def test_reads_between_appends_see_the_whole_tree(read_after: list[bool]) -> None:
    ctx = Ctx(MemoryStore(), SimulatedClock(datetime(2020, 1, 1, tzinfo=UTC)), POLICY, id_source(9))
    leaves: list[bytes] = []
    for n, read in enumerate(read_after):
        entry = audit.record(ctx, SYSTEM, "test.step", "test", n, {"n": n})
        leaves.append(bytes.fromhex(entry.leaf_hash))
        if read:
            size = len(leaves)
            assert audit.root_at(ctx, size) == merkle.tree_hash(leaves)
            index = n // 2
            proof = audit.inclusion_proof(ctx, index, size)
            merkle.verify_inclusion(index, size, leaves[index], proof, merkle.tree_hash(leaves))
    size = len(leaves)
    assert ctx.store.merkle_nodes(list(merkle.build_nodes(leaves))) == merkle.build_nodes(leaves)
    for old in range(1, size + 1):
        proof = audit.consistency_proof(ctx, old, size)
        merkle.verify_consistency(
            old, size, merkle.tree_hash(leaves[:old]), merkle.tree_hash(leaves), proof
        )


def test_leaves_out_of_order_are_refused() -> None:
    store = MemoryStore()
    store.add_merkle_leaf(0, b"\x00" * 32)
    with pytest.raises(ValueError):
        store.add_merkle_leaf(2, b"\x00" * 32)
