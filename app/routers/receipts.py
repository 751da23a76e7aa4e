"""Consent receipts and histories: the resident fetches them, the auditor verifies them."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from fastapi import APIRouter

from app.audit.receipts import ReceiptError, consent_receipt, verify_jws
from app.deps import AuditorActor, ResidentActor, RuntimeDep
from app.routers.audit import SignerDep
from app.schemas import audit as s
from app.workflow.consent_history import ConsentEvent, current_status, history
from app.workflow.context import Ctx
from app.workflow.errors import NotFound
from app.workflow.records import Consent, Notice

router = APIRouter(tags=["consent receipts"])


def _events(events: list[ConsentEvent]) -> list[s.ConsentEventOut]:
    return [s.ConsentEventOut.model_validate(asdict(e)) for e in events]


@router.get("/me/consents/{consent_id}/receipt", response_model=s.ReceiptOut)
def my_receipt(
    consent_id: UUID, actor: ResidentActor, runtime: RuntimeDep, signer: SignerDep
) -> s.ReceiptOut:
    """Your signed receipt for one consent (Kantara Consent Receipt v1.1 fields)."""
    receipt = runtime.read(
        lambda ctx: consent_receipt(ctx, signer, consent_id=consent_id, resident_id=actor.subject)
    )
    return s.ReceiptOut(
        receipt=receipt.token, claims=receipt.claims, history=_events(receipt.events)
    )


def _history(ctx: Ctx, consent_id: UUID) -> list[ConsentEvent]:
    consent = ctx.store.get(Consent, consent_id)
    notice = ctx.store.get(Notice, consent.notice_id) if consent else None
    if notice is None:
        raise NotFound("consent")
    return history(ctx, notice)


def _notice_history(
    ctx: Ctx, *, resident_id: UUID | None, request_id: UUID | None, notice_id: UUID | None
) -> list[ConsentEvent]:
    if notice_id is not None:
        notice = ctx.store.get(Notice, notice_id)
    else:
        found = ctx.store.find(Notice, request_id=request_id, resident_id=resident_id)
        notice = found[0] if found else None
    if notice is None:
        raise NotFound("notice" if notice_id else "request")
    return history(ctx, notice)


@router.get("/me/requests/{request_id}/consent-history", response_model=s.ConsentHistoryOut)
def my_history(request_id: UUID, actor: ResidentActor, runtime: RuntimeDep) -> s.ConsentHistoryOut:
    """Your consent's life for one request as W3C DPV statuses: requested, given, refused,
    withdrawn, expired (append-only: read from the audit log)."""
    events = runtime.read(
        lambda ctx: _notice_history(
            ctx, resident_id=actor.subject, request_id=request_id, notice_id=None
        )
    )
    return s.ConsentHistoryOut(data=_events(events), count=len(events))


@router.get("/audit/notices/{notice_id}/consent-history", response_model=s.ConsentHistoryOut)
def consent_history(
    notice_id: UUID, actor: AuditorActor, runtime: RuntimeDep
) -> s.ConsentHistoryOut:
    events = runtime.read(
        lambda ctx: _notice_history(ctx, resident_id=None, request_id=None, notice_id=notice_id)
    )
    return s.ConsentHistoryOut(data=_events(events), count=len(events))


@router.post("/audit/receipts/verify", response_model=s.ReceiptVerification)
def verify_receipt(
    body: s.ReceiptCheck, actor: AuditorActor, runtime: RuntimeDep, signer: SignerDep
) -> s.ReceiptVerification:
    """Check a receipt's signature under the log key, and that the log entry it names is there
    with the same leaf hash (offline: `consentgate audit verify-receipt` with a pinned key)."""
    try:
        claims = verify_jws(body.receipt, signer.verifier)
    except ReceiptError as exc:
        return s.ReceiptVerification(
            valid=False, reason=str(exc), claims=None, log_entry_matches=None, dpv_status_now=None
        )
    ours = claims.get("consentgate") if isinstance(claims.get("consentgate"), dict) else {}
    assert isinstance(ours, dict)

    def check(ctx: Ctx) -> tuple[bool | None, str | None]:
        entry = ours.get("log_entry") or {}
        matches = None
        if isinstance(entry, dict) and isinstance(entry.get("seq"), int) and entry["seq"] >= 0:
            found = ctx.store.audit_entries(entry["seq"], 1)
            matches = bool(found) and found[0].leaf_hash == entry.get("leaf_hash")
        try:
            consent_id = UUID(str(ours.get("consent_id")))
            status = current_status(_history(ctx, consent_id), consent_id)
        except (ValueError, NotFound):
            status = None
        return matches, status

    matches, status = runtime.read(check)
    return s.ReceiptVerification(
        valid=True,
        reason="signed by the log key",
        claims=claims,
        log_entry_matches=matches,
        dpv_status_now=status,
    )
