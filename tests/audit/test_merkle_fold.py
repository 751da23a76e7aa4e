"""The batch folds the memory stores use give exactly the nodes `append_nodes` gives, one leaf
at a time: every node of the tree (`fold_leaves`), or the frontier only (`fold_frontier`)."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from app.workflow import merkle


def leaves_for(count: int) -> list[bytes]:
    return [merkle.leaf_hash(str(n).encode()) for n in range(count)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6))
def test_folding_in_batches_stores_the_nodes_of_single_appends(batches: list[int]) -> None:
    leaves = leaves_for(sum(batches))
    nodes: dict[merkle.NodeKey, bytes] = {}
    frontier: list[bytes] = []
    size = frontier_size = 0
    for count in batches:
        batch = leaves[size : size + count]
        size = merkle.fold_leaves(size, batch, nodes)
        frontier_size = merkle.fold_frontier(frontier_size, batch, frontier)
        expected = merkle.build_nodes(leaves[:size])  # append_nodes, leaf by leaf
        assert nodes == expected
        keys = merkle.frontier_keys(size)
        assert frontier_size == size
        assert frontier == [expected[key] for key in keys]
        assert merkle.root_from_frontier(size, dict(zip(keys, frontier, strict=True))) == (
            merkle.tree_hash(leaves[:size])
        )


def test_a_fold_hashes_a_parent_as_rfc_9162_does() -> None:
    a, b = leaves_for(2)
    nodes: dict[merkle.NodeKey, bytes] = {}
    assert merkle.fold_leaves(0, [a, b], nodes) == 2
    assert nodes[(1, 0)] == hashlib.sha256(b"\x01" + a + b).digest()
    frontier: list[bytes] = []
    assert merkle.fold_frontier(0, [a, b], frontier) == 2
    assert frontier == [hashlib.sha256(b"\x01" + a + b).digest()]
