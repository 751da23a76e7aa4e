"""The verifier against the public RFC 6962/9162 vectors: it accepts exactly the cases with
`wantErr: false`, and the proofs the log builds verify and match the reference recursion."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from app.workflow import merkle

# A copy of transparency-dev/merkle's testdata (Apache-2.0, LICENSE beside it), so CI needs
# nothing outside the repository.
VECTORS = Path(__file__).resolve().parent / "vectors" / "rfc9162-merkle"


def _cases(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json"))


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.mark.parametrize("path", _cases("inclusion"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_inclusion_vector(path: Path) -> None:
    case = _load(path)
    proof = [_b64(p) for p in case["proof"] or []]
    try:
        merkle.verify_inclusion(
            case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), proof, _b64(case["root"])
        )
        accepted = True
    except merkle.ProofError:
        accepted = False
    assert accepted is not case["wantErr"], case["desc"]


@pytest.mark.parametrize("path", _cases("consistency"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_consistency_vector(path: Path) -> None:
    case = _load(path)
    proof = [_b64(p) for p in case["proof"] or []]
    try:
        merkle.verify_consistency(
            case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), proof
        )
        accepted = True
    except merkle.ProofError:
        accepted = False
    assert accepted is not case["wantErr"], case["desc"]


def test_both_kinds_of_vectors_are_present() -> None:
    """A vector folder that silently lost its files would make the tests above vacuous."""
    inclusion, consistency = _cases("inclusion"), _cases("consistency")
    assert len(inclusion) > 90 and len(consistency) > 90
    happy = [p for p in inclusion + consistency if not _load(p)["wantErr"]]
    assert len(happy) > 10


# The RFC 6962 test leaves the vectors were built from (transparency-dev/merkle testonly).
RFC6962_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]


def test_roots_match_the_vectors() -> None:
    leaves = [merkle.leaf_hash(d) for d in RFC6962_LEAVES]
    happy = _load(VECTORS / "consistency" / "1" / "happy-path.json")
    assert merkle.tree_hash(leaves[: happy["size1"]]) == _b64(happy["root1"])
    assert merkle.tree_hash(leaves[: happy["size2"]]) == _b64(happy["root2"])
    nodes = merkle.build_nodes(leaves)
    for size in range(1, 9):
        assert merkle.range_hash(0, size, nodes) == merkle.tree_hash(leaves[:size])


def _reference_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) exactly as RFC 9162 2.1.3.1 writes it."""
    n = len(leaves)
    if n <= 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*_reference_path(m, leaves[:k]), merkle.tree_hash(leaves[k:])]
    return [*_reference_path(m - k, leaves[k:]), merkle.tree_hash(leaves[:k])]


def _reference_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) exactly as RFC 9162 2.1.4.1 writes it."""
    n = len(leaves)
    if m == n:
        return [] if whole else [merkle.tree_hash(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*_reference_subproof(m, leaves[:k], whole), merkle.tree_hash(leaves[k:])]
    return [*_reference_subproof(m - k, leaves[k:], False), merkle.tree_hash(leaves[:k])]


def test_built_proofs_equal_the_rfc_recursion_and_verify() -> None:
    leaves = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(37)]
    nodes = merkle.build_nodes(leaves)

    def fetch(keys: list[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
        return {k: nodes[k] for k in keys}

    for size in range(1, len(leaves) + 1):
        root = merkle.tree_hash(leaves[:size])
        for index in range(size):
            proof = merkle.proof_hashes(merkle.inclusion_ranges(index, size), fetch)
            assert proof == _reference_path(index, leaves[:size])
            merkle.verify_inclusion(index, size, leaves[index], proof, root)
        for size1 in range(1, size + 1):
            proof = merkle.proof_hashes(merkle.consistency_ranges(size1, size), fetch)
            assert proof == _reference_subproof(size1, leaves[:size], True)
            merkle.verify_consistency(size1, size, merkle.tree_hash(leaves[:size1]), root, proof)


def test_a_proof_for_another_leaf_or_root_fails() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(11)]
    nodes = merkle.build_nodes(leaves)
    proof = merkle.proof_hashes(merkle.inclusion_ranges(3, 11), lambda ks: nodes)
    root = merkle.tree_hash(leaves)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(3, 11, leaves[4], proof, root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(3, 11, leaves[3], proof, merkle.tree_hash(leaves[:10]))
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_ranges(11, 11)
