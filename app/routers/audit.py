"""The auditor: the log, the releases with their basis, and the log's verification."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Query

from app.deps import AuditorActor, RuntimeDep
from app.limits import Page
from app.schemas import audit as s
from app.workflow.auditor import releases_with_basis, verify_log

router = APIRouter(prefix="/audit", tags=["auditor"])


@router.get("/entries", response_model=s.AuditEntryList)
def entries(
    actor: AuditorActor,
    runtime: RuntimeDep,
    start: int = Query(0, ge=0, description="first sequence number"),
    limit: int = Query(100, ge=1, le=1000),
) -> s.AuditEntryList:
    found = runtime.read(lambda ctx: ctx.store.audit_entries(start, limit + 1))
    page = found[:limit]
    return s.AuditEntryList(
        data=[s.AuditEntryOut.model_validate(asdict(e)) for e in page],
        count=len(page),
        next_start=start + limit if len(found) > limit else None,
    )


@router.get("/releases", response_model=s.ReleaseListForAuditor)
def releases(actor: AuditorActor, runtime: RuntimeDep, page: Page) -> s.ReleaseListForAuditor:
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


@router.get("/verify", response_model=s.ChainVerification)
def verify(actor: AuditorActor, runtime: RuntimeDep) -> s.ChainVerification:
    check = runtime.read(verify_log)
    return s.ChainVerification.model_validate(asdict(check))
