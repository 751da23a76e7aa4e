"""What an auditor reads: releases with their consent, the log's checkpoint and proofs."""

from __future__ import annotations

from dataclasses import dataclass

from app.workflow import audit
from app.workflow.audit import ChainCheck, verify_chain
from app.workflow.context import Ctx
from app.workflow.errors import InvalidInput
from app.workflow.footage import all_releases
from app.workflow.log_scan import entry_pages
from app.workflow.records import AuditEntry, Consent, Release
from app.workflow.signed_note import Checkpoint


@dataclass(frozen=True, slots=True)
class AuditedRelease:
    release: Release
    consent: Consent | None


@dataclass(frozen=True, slots=True)
class InclusionProof:
    index: int
    size: int
    leaf_hash: bytes
    proof: list[bytes]
    root: bytes
    entry: AuditEntry


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    size1: int
    size2: int
    root1: bytes
    root2: bytes
    proof: list[bytes]


def releases_with_basis(ctx: Ctx) -> list[AuditedRelease]:
    out = []
    for release in all_releases(ctx):
        consent = ctx.store.get(Consent, release.consent_id) if release.consent_id else None
        out.append(AuditedRelease(release, consent))
    return out


def all_entries(ctx: Ctx) -> list[AuditEntry]:
    """Every stored entry, in order (read in pages up to the tail: log_scan.entry_pages)."""
    return [entry for page in entry_pages(ctx) for entry in page]


def verify_log(ctx: Ctx) -> ChainCheck:
    return verify_chain(all_entries(ctx))


def current_checkpoint(ctx: Ctx, origin: str) -> Checkpoint:
    size = audit.log_size(ctx)
    return Checkpoint(origin, size, audit.root_at(ctx, size))


def checked_size(ctx: Ctx, size: int | None) -> int:
    """`size` if the log ever had that many entries (default: the current size)."""
    return _check_size(ctx, size)


def _check_size(ctx: Ctx, size: int | None) -> int:
    current = audit.log_size(ctx)
    if size is None:
        return current
    if not 0 <= size <= current:
        raise InvalidInput(
            f"The log never had {size} entries; it holds {current}.", code="size_beyond_log"
        )
    return size


def inclusion(ctx: Ctx, *, index: int, size: int | None) -> InclusionProof:
    """Proof that entry `index` is in the log of `size` entries (default: the current size)."""
    tree_size = _check_size(ctx, size)
    if not 0 <= index < tree_size:
        raise InvalidInput(
            f"Entry {index} is not in a log of {tree_size} entries.", code="index_beyond_size"
        )
    entry = ctx.store.audit_entries(index, 1)[0]
    return InclusionProof(
        index=index,
        size=tree_size,
        leaf_hash=bytes.fromhex(entry.leaf_hash),
        proof=audit.inclusion_proof(ctx, index, tree_size),
        root=audit.root_at(ctx, tree_size),
        entry=entry,
    )


def consistency(ctx: Ctx, *, size1: int, size2: int | None) -> ConsistencyProof:
    """Proof that the log of `size2` entries extends the log of `size1` entries unchanged."""
    second = _check_size(ctx, size2)
    first = _check_size(ctx, size1)
    if not 0 < first <= second:
        raise InvalidInput(
            f"A consistency proof needs 0 < first size <= second size; got {first} and {second}.",
            code="invalid_sizes",
        )
    return ConsistencyProof(
        size1=first,
        size2=second,
        root1=audit.root_at(ctx, first),
        root2=audit.root_at(ctx, second),
        proof=audit.consistency_proof(ctx, first, second),
    )
