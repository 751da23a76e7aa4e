"""The auditor: the log, the releases with their basis, and the log's verification."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from app.audit.bundle import entry_dict
from app.audit.replay import resolver
from app.audit.verifier import entry_line
from app.deps import AuditorActor, RuntimeDep
from app.limits import MAX_SEQ, Page
from app.schemas import audit as s
from app.strict_json import StrictJsonRoute
from app.workflow import auditor
from app.workflow.auditor import releases_with_basis
from app.workflow.context import Ctx
from app.workflow.decisions import replay_log
from app.workflow.live_checks import INVARIANTS, check_live
from app.workflow.records import AuditEntry
from app.workflow.signed_note import Signer, sign_checkpoint

router = APIRouter(prefix="/audit", tags=["auditor"], route_class=StrictJsonRoute)
EXPORT_PAGE = 1_000


def get_signer(request: Request) -> Signer:
    signer: Signer = request.app.state.log_signer
    return signer


SignerDep = Annotated[Signer, Depends(get_signer)]


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@router.get("/entries", response_model=s.AuditEntryList)
def entries(
    actor: AuditorActor,
    runtime: RuntimeDep,
    start: int = Query(0, ge=0, le=MAX_SEQ, description="first sequence number"),
    limit: int = Query(100, ge=1, le=1000, description="page size, at most 1000"),
) -> s.AuditEntryList:
    """The log's entries from sequence number `start` on, with their hashes. Pages go by
    sequence number, not offset: `next_start` is the next page's `start` (null after the last),
    and `count` the entries in this page."""
    found = runtime.read(lambda ctx: ctx.store.audit_entries(start, limit + 1))
    page = found[:limit]
    return s.AuditEntryList(
        data=[s.AuditEntryOut.model_validate(asdict(e)) for e in page],
        count=len(page),
        next_start=start + limit if len(found) > limit else None,
    )


@router.get("/releases", response_model=s.ReleaseListForAuditor)
def releases(actor: AuditorActor, runtime: RuntimeDep, page: Page) -> s.ReleaseListForAuditor:
    """Every release with its basis (consent, emergency, legal), its approver and
    justification, and the consent it rests on (null for a release without consent); `count`
    is the total."""
    found = runtime.read(releases_with_basis)
    data = []
    for item in page.of(found):
        r, c = item.release, item.consent
        consent = None
        if c is not None:
            consent = s.ConsentForAuditor(
                id=c.id,
                resident_id=c.resident_id,
                clip_ids=list(c.clip_ids),
                status=c.status.value,
                given_at=c.given_at,
                withdrawn_at=c.withdrawn_at,
            )
        data.append(
            s.ReleaseForAuditor(
                id=r.id,
                clip_id=r.clip_id,
                request_id=r.request_id,
                agency_id=r.agency_id,
                basis=r.basis.value,
                released_at=r.released_at,
                approved_by=r.approved_by,
                justification=r.justification,
                downloaded_at=r.downloaded_at,
                revoked_at=r.revoked_at,
                consent=consent,
            )
        )
    return s.ReleaseListForAuditor(data=data, count=len(found))


@router.get("/verify", response_model=s.LiveVerification)
def verify(actor: AuditorActor, runtime: RuntimeDep) -> s.LiveVerification:
    """Verify the log and check invariants I1, I2, I3, I6, I7 and I8 on the live data."""
    report = runtime.read(check_live)
    grouped = report.by_invariant()
    return s.LiveVerification(
        **{**asdict(report.chain), "ok": report.ok},
        chain_ok=report.chain.ok,
        merkle_ok=report.merkle_ok,
        root=_b64(report.root),
        invariants=[
            s.InvariantOut(
                invariant=name,
                description=INVARIANTS[name],
                ok=not found,
                violations=[
                    s.ViolationOut(**{**asdict(v), "entries": list(v.entries)}) for v in found
                ],
            )
            for name, found in grouped.items()
        ],
    )


@router.get("/log-key", response_model=s.LogKeyOut)
def log_key(signer: SignerDep) -> s.LogKeyOut:
    """The verifier key to pin (public): checkpoints signed by any other key are worthless."""
    verifier = signer.verifier
    return s.LogKeyOut(
        origin=signer.name, verifier_key=verifier.encode(), key_id=verifier.key_id.hex()
    )


@router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "a C2SP signed note"}},
)
def checkpoint(actor: AuditorActor, runtime: RuntimeDep, signer: SignerDep) -> str:
    """The log's current size and root, signed: save it, and check later logs extend it."""
    current = runtime.read(lambda ctx: auditor.current_checkpoint(ctx, signer.name))
    return sign_checkpoint(signer, current)


@router.get("/proofs/inclusion/{index}", response_model=s.InclusionProofOut)
def inclusion_proof(
    actor: AuditorActor,
    runtime: RuntimeDep,
    index: int,
    size: int | None = Query(None, ge=0, description="tree size (default: the current size)"),
) -> s.InclusionProofOut:
    """RFC 9162 inclusion proof of entry `index` in the log of `size` entries (base64 hashes).
    Check it against a checkpoint you verified yourself, not the root in this answer."""
    proof = runtime.read(lambda ctx: auditor.inclusion(ctx, index=index, size=size))
    return s.InclusionProofOut(
        index=proof.index,
        size=proof.size,
        leaf_hash=_b64(proof.leaf_hash),
        proof=[_b64(p) for p in proof.proof],
        root=_b64(proof.root),
        entry=s.AuditEntryOut.model_validate(asdict(proof.entry)),
    )


@router.get("/proofs/consistency", response_model=s.ConsistencyProofOut)
def consistency_proof(
    actor: AuditorActor,
    runtime: RuntimeDep,
    first: int = Query(..., ge=1, description="the earlier tree size"),
    second: int | None = Query(None, ge=1, description="the later size (default: current)"),
) -> s.ConsistencyProofOut:
    """RFC 9162 consistency proof: the log of `second` entries extends the log of `first`
    (base64 hashes); check it against two checkpoints you verified yourself."""
    proof = runtime.read(lambda ctx: auditor.consistency(ctx, size1=first, size2=second))
    return s.ConsistencyProofOut(
        size1=proof.size1,
        size2=proof.size2,
        root1=_b64(proof.root1),
        root2=_b64(proof.root2),
        proof=[_b64(p) for p in proof.proof],
    )


@router.get("/replay", response_model=s.ReplayOut)
def replay(actor: AuditorActor, runtime: RuntimeDep) -> s.ReplayOut:
    """Ask every logged decision again under its logged policy; list those that now differ.

    The policy the service runs is known by its name too, a policy file's included."""
    report = runtime.read(lambda ctx: replay_log(ctx, resolver([runtime.policy])))
    return s.ReplayOut(
        ok=report.ok,
        replayed=report.replayed,
        findings=[s.ReplayFindingOut.model_validate(asdict(f)) for f in report.findings],
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "entries.jsonl"}},
)
def export(
    actor: AuditorActor,
    runtime: RuntimeDep,
    size: int | None = Query(None, ge=0, description="the first N entries (default: all)"),
) -> StreamingResponse:
    """The entries as a bundle's entries.jsonl, exactly as `consentgate audit verify` reads
    them. Fetch a checkpoint first and ask for its size, so both describe the same log."""
    total = runtime.read(lambda ctx: auditor.checked_size(ctx, size))

    def page(start: int) -> Callable[[Ctx], list[AuditEntry]]:
        return lambda ctx: ctx.store.audit_entries(start, min(EXPORT_PAGE, total - start))

    def lines() -> Iterator[bytes]:
        for start in range(0, total, EXPORT_PAGE):
            entries = runtime.read(page(start))
            yield "".join(entry_line(entry_dict(e)) + "\n" for e in entries).encode()

    return StreamingResponse(lines(), media_type="application/x-ndjson")
