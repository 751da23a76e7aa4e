"""RFC 9162 Merkle tree hashing, proofs and their verification (sections 2.1.1 to 2.1.4).

Pure functions over 32-byte hashes. The log persists the hash of every *perfect* subtree (a
node at `level` covering leaves [index * 2**level, (index + 1) * 2**level)), so the root of any
prefix and every proof element is the hash of O(log n) stored nodes: `range_nodes` names them,
`range_hash` folds them. Appending touches only the frontier: the perfect nodes on the right
edge, at most one per level.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]  # (level, index): leaves [index << level, (index + 1) << level)


class ProofError(ValueError):
    """A proof, a size or a root does not verify; the message says which check failed."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


# --- the frontier and appends ----------------------------------------------------------------


def frontier_keys(size: int) -> list[NodeKey]:
    """The perfect subtrees whose concatenation is the tree of `size` leaves, left to right."""
    keys: list[NodeKey] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size & (1 << level):
            keys.append((level, start >> level))
            start += 1 << level
    return keys


def append_reads(size: int) -> list[NodeKey]:
    """The frontier nodes `append_nodes(size, ...)` reads: the left sibling at each level while
    the new node is a right child (one node on average, none for an even `size`)."""
    keys: list[NodeKey] = []
    level, index = 0, size
    while index & 1:
        keys.append((level, index - 1))
        level, index = level + 1, index >> 1
    return keys


def append_nodes(size: int, leaf: bytes, frontier: Mapping[NodeKey, bytes]) -> dict[NodeKey, bytes]:
    """The nodes that appending `leaf` as leaf number `size` completes: the leaf itself and one
    parent per level while the new node is a right child; reads only the frontier."""
    new: dict[NodeKey, bytes] = {(0, size): leaf}
    level, index, current = 0, size, leaf
    while index & 1:
        left = frontier[(level, index - 1)]
        level, index = level + 1, index >> 1
        current = node_hash(left, current)
        new[(level, index)] = current
    return new


def fold_leaves(size: int, leaves: Iterable[bytes], nodes: dict[NodeKey, bytes]) -> int:
    """Append `leaves` as leaves number `size`, `size + 1`, ... into `nodes`, storing exactly
    the nodes `append_nodes` gives for each in turn; returns the new size.

    The same fold as `append_nodes` without a dictionary per leaf: a memory store folds its
    pending leaves in batches with it (tests/audit/test_merkle_fold.py compares the two)."""
    sha256 = hashlib.sha256
    for leaf in leaves:
        nodes[(0, size)] = leaf
        level, index, current = 0, size, leaf
        while index & 1:
            current = sha256(b"\x01" + nodes[(level, index - 1)] + current).digest()
            level, index = level + 1, index >> 1
            nodes[(level, index)] = current
        size += 1
    return size


def fold_frontier(size: int, leaves: Iterable[bytes], frontier: list[bytes]) -> int:
    """Append `leaves` to a tree of `size` leaves known only by its frontier: `frontier` holds
    the hashes of `frontier_keys(size)` in that order (the highest level first) and is updated
    in place to those of the new size, which is returned.

    A new leaf completes a parent for each level at which the tree's size has a 1 bit, and
    those frontier nodes are the last ones of the list, lowest level last: a stack."""
    sha256 = hashlib.sha256
    for leaf in leaves:
        current, index = leaf, size
        while index & 1:
            current = sha256(b"\x01" + frontier.pop() + current).digest()
            index >>= 1
        frontier.append(current)
        size += 1
    return size


def root_from_frontier(size: int, frontier: Mapping[NodeKey, bytes]) -> bytes:
    return range_hash(0, size, frontier)


# --- hashes of ranges from stored perfect nodes ---------------------------------------------


def range_nodes(start: int, end: int) -> list[NodeKey]:
    """The perfect nodes that make up MTH(D[start:end]) as RFC 9162 splits it.

    Valid for the ranges the RFC's recursion produces: `start` is a multiple of the largest
    power of two not exceeding end - start, as every subtree of a Merkle tree is.
    """
    if end <= start:
        return []
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        level = n.bit_length() - 1
        return [(level, start >> level)]
    k = _split(n)
    return range_nodes(start, start + k) + range_nodes(start + k, end)


def range_hash(start: int, end: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH(D[start:end]) from the stored perfect nodes (RFC 9162, 2.1.1)."""
    if end <= start:
        return EMPTY_ROOT
    keys = range_nodes(start, end)
    current = nodes[keys[-1]]
    for key in reversed(keys[:-1]):
        current = node_hash(nodes[key], current)
    return current


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, straight from the definition: for verifiers and tests."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(tree_hash(leaves[:k]), tree_hash(leaves[k:]))


def build_nodes(leaves: Sequence[bytes]) -> dict[NodeKey, bytes]:
    """Every perfect node of a tree of these leaves, appending one leaf at a time."""
    nodes: dict[NodeKey, bytes] = {}
    for index, leaf in enumerate(leaves):
        nodes.update(append_nodes(index, leaf, nodes))
    return nodes


# --- proofs: which ranges, then their hashes -------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(index, D[0:size]) of RFC 9162 2.1.3.1 as leaf ranges, leaf-side first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not below the tree size {size}")
    out: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
    return list(reversed(out))


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """PROOF(size1, D[0:size2]) of RFC 9162 2.1.4.1 as leaf ranges."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    out: list[tuple[int, int]] = []

    def subproof(m: int, start: int, end: int, whole: bool) -> None:
        n = end - start
        if m == n:
            if not whole:
                out.append((start, end))
            return
        k = _split(n)
        if m <= k:
            subproof(m, start, start + k, whole)
            out.append((start + k, end))
        else:
            subproof(m - k, start + k, end, False)
            out.append((start, start + k))

    subproof(size1, 0, size2, True)
    return out


def proof_hashes(
    ranges: Sequence[tuple[int, int]], fetch: Callable[[list[NodeKey]], Mapping[NodeKey, bytes]]
) -> list[bytes]:
    """Hash each range from stored nodes; `fetch` reads all the needed nodes at once."""
    keys = sorted({key for start, end in ranges for key in range_nodes(start, end)})
    nodes = fetch(keys)
    return [range_hash(start, end, nodes) for start, end in ranges]


# --- verification (RFC 9162 2.1.3.2 and 2.1.4.2) --------------------------------------------


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} is {len(value)} bytes, not {HASH_SIZE}")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not below the tree size {size}")
    _check_hash("the leaf hash", leaf)
    fn, sn, r = index, size - 1, leaf
    for element in proof:
        _check_hash("a proof element", element)
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(element, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short for this tree size")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless `proof` shows leaf number `index` in the tree with `root`."""
    _check_hash("the root", root)
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("the inclusion proof leads to a different root")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless the tree of `size2` extends the tree of `size1` (append-only)."""
    if size2 < size1:
        raise ProofError(f"the second size {size2} is smaller than the first {size1}")
    if size1 == 0:
        # Every tree extends the empty one: a "proof" from it proves nothing, so none is taken
        # (the public vectors refuse size1 = 0 whatever the proof and roots).
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("equal sizes but different roots")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    _check_hash("the first root", root1)
    _check_hash("the second root", root2)
    for element in proof:
        _check_hash("a proof element", element)
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root starts the path
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for element in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(element, fr)
            sr = node_hash(element, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != root1:
        raise ProofError("the proof does not lead to the first root")
    if sr != root2:
        raise ProofError("the proof does not lead to the second root")
