"""Consent receipts and histories: the resident fetches them, the auditor verifies them."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from fastapi import APIRouter

from app.audit.receipts import check_receipt, consent_receipt
from app.deps import AuditorActor, ResidentActor, RuntimeDep
from app.limits import Page
from app.routers.audit import SignerDep
from app.schemas import audit as s
from app.strict_json import StrictJsonRoute
from app.workflow.consent_history import ConsentEvent, notice_history

router = APIRouter(tags=["consent receipts"], route_class=StrictJsonRoute)


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


@router.get("/me/requests/{request_id}/consent-history", response_model=s.ConsentHistoryOut)
def my_history(
    request_id: UUID, actor: ResidentActor, runtime: RuntimeDep, page: Page
) -> s.ConsentHistoryOut:
    """Your consent's life for one request as W3C DPV statuses: requested, given, refused,
    withdrawn, expired (append-only: read from the audit log)."""
    events = runtime.read(
        lambda ctx: notice_history(ctx, request_id=request_id, resident_id=actor.subject)
    )
    return s.ConsentHistoryOut(data=_events(page.of(events)), count=len(events))


@router.get("/audit/notices/{notice_id}/consent-history", response_model=s.ConsentHistoryOut)
def consent_history(
    notice_id: UUID, actor: AuditorActor, runtime: RuntimeDep, page: Page
) -> s.ConsentHistoryOut:
    """One notice's consent life as W3C DPV statuses, read from the log: requested, given,
    refused, withdrawn, expired, each with its entry."""
    events = runtime.read(lambda ctx: notice_history(ctx, notice_id=notice_id))
    return s.ConsentHistoryOut(data=_events(page.of(events)), count=len(events))


@router.post("/audit/receipts/verify", response_model=s.ReceiptVerification)
def verify_receipt(
    body: s.ReceiptCheck, actor: AuditorActor, runtime: RuntimeDep, signer: SignerDep
) -> s.ReceiptVerification:
    """Check a receipt's signature under the log key, and that the log entry it names is there
    with the same leaf hash (offline: `consentgate audit verify-receipt` with a pinned key)."""
    result = runtime.read(lambda ctx: check_receipt(ctx, signer.verifier, body.receipt))
    return s.ReceiptVerification.model_validate(asdict(result))
