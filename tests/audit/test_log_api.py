"""The Merkle log over HTTP: signed checkpoints under the pinned key, proofs that verify."""

from __future__ import annotations

import base64
from datetime import datetime

from app.workflow import merkle
from app.workflow.audit import canonical_bytes
from app.workflow.records import AuditEntry
from app.workflow.signed_note import Verifier, open_checkpoint
from tests.factories import World


def _pinned(world: World) -> Verifier:
    body = world.client.get("/audit/log-key").json()  # public: no token needed
    return Verifier.parse(body["verifier_key"])


def _checkpoint(world: World, pinned: Verifier) -> tuple[int, bytes]:
    response = world.client.get("/audit/checkpoint", headers=world.auditor)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/")
    cp = open_checkpoint(response.text, pinned)
    return cp.size, cp.root


def test_checkpoint_commits_to_every_entry_and_proofs_verify(world: World) -> None:
    pinned = _pinned(world)
    agency = world.agency()
    dana = world.resident()
    old_size, old_root = _checkpoint(world, pinned)
    request = world.file(agency)
    world.share(dana, request["id"], dana.clips[:1])
    size, root = _checkpoint(world, pinned)
    assert size > old_size

    entries = world.ok("GET", "/audit/entries?limit=1000", world.auditor)["data"]
    assert len(entries) == size
    leaves = []
    for row in entries:
        entry = AuditEntry(**{**row, "at": _dt(row["at"])})
        leaves.append(merkle.leaf_hash(canonical_bytes(entry)))
        assert leaves[-1].hex() == row["leaf_hash"]
    assert merkle.tree_hash(leaves) == root

    for index in (0, size // 2, size - 1):
        proof = world.ok("GET", f"/audit/proofs/inclusion/{index}", world.auditor)
        merkle.verify_inclusion(index, size, leaves[index], [_b(p) for p in proof["proof"]], root)
        assert proof["entry"]["seq"] == index
    older = world.ok("GET", f"/audit/proofs/inclusion/1?size={old_size}", world.auditor)
    merkle.verify_inclusion(1, old_size, leaves[1], [_b(p) for p in older["proof"]], old_root)

    consistency = world.ok("GET", f"/audit/proofs/consistency?first={old_size}", world.auditor)
    assert consistency["size2"] == size
    merkle.verify_consistency(old_size, size, old_root, root, [_b(p) for p in consistency["proof"]])


def test_proofs_for_sizes_the_log_never_had_are_refused(world: World) -> None:
    world.agency()
    size = world.ok("GET", "/audit/verify", world.auditor)["size"]
    for url, code in (
        (f"/audit/proofs/inclusion/0?size={size + 1}", "size_beyond_log"),
        (f"/audit/proofs/inclusion/{size}", "index_beyond_size"),
        (f"/audit/proofs/consistency?first=1&second={size + 5}", "size_beyond_log"),
        (f"/audit/proofs/consistency?first={size}&second=1", "invalid_sizes"),
    ):
        response = world.client.get(url, headers=world.auditor)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["code"] == code and response.json()["detail"]
    agency_only = world.agency(name="Other")
    assert world.client.get("/audit/checkpoint", headers=agency_only.headers).status_code == 403


def _b(value: str) -> bytes:
    return base64.b64decode(value)


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_every_auditor_route_says_what_it_answers(world: World) -> None:
    # /docs is where an auditor meets the API: each of their routes needs a description, and
    # each of its query parameters one too.
    openapi = world.app.openapi()
    silent = []
    for path, operations in openapi["paths"].items():
        if not path.startswith(("/audit", "/reports")):
            continue
        for method, operation in operations.items():
            if not operation.get("description"):
                silent.append(f"{method.upper()} {path}")
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("description"):
                    silent.append(f"{method.upper()} {path} ?{parameter['name']}")
    assert not silent, silent
