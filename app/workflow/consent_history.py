"""A resident's consent life for one request, as W3C DPV consent statuses, read off the log.

The history is the audit log itself (append-only and Merkle-committed), filtered to one notice
and the consents given under it, so it cannot disagree with the record auditors verify.
Statuses are terms of the Data Privacy Vocabulary (https://w3id.org/dpv#ConsentStatus).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.workflow.context import Ctx
from app.workflow.errors import NotFound
from app.workflow.records import AuditEntry, Consent, Notice

DPV = "https://w3id.org/dpv#"

# Log action -> DPV consent status.
STATUS_OF_ACTION = {
    "notice.sent": "ConsentRequested",
    "consent.given": "ConsentGiven",
    "notice.declined": "ConsentRefused",
    "consent.withdrawn": "ConsentWithdrawn",
    "notice.expired": "ConsentExpired",
}


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    status: str  # a DPV term, e.g. "dpv:ConsentGiven"
    at: datetime
    entry_seq: int
    action: str
    consent_id: UUID | None


def history(ctx: Ctx, notice: Notice) -> list[ConsentEvent]:
    entries: list[tuple[AuditEntry, UUID | None]] = []
    for action in ("notice.sent", "notice.declined", "notice.expired"):
        entries += [
            (e, None) for e in ctx.store.audit_find(action=action, subject_id=str(notice.id))
        ]
    for consent in ctx.store.find(Consent, notice_id=notice.id):
        for action in ("consent.given", "consent.withdrawn"):
            found = ctx.store.audit_find(action=action, subject_id=str(consent.id))
            entries += [(e, consent.id) for e in found]
    entries.sort(key=lambda pair: pair[0].seq)
    return [
        ConsentEvent(f"dpv:{STATUS_OF_ACTION[e.action]}", e.at, e.seq, e.action, consent_id)
        for e, consent_id in entries
    ]


def current_status(events: list[ConsentEvent], consent_id: UUID) -> str:
    """The DPV status of one consent now: its own last event, or the notice's (expired)."""
    own = [e for e in events if e.consent_id == consent_id]
    return own[-1].status if own else "dpv:ConsentRequested"


def notice_history(
    ctx: Ctx,
    *,
    notice_id: UUID | None = None,
    request_id: UUID | None = None,
    resident_id: UUID | None = None,
) -> list[ConsentEvent]:
    """By notice id (auditor), or by request for one resident (that resident's own view)."""
    if notice_id is not None:
        notice = ctx.store.get(Notice, notice_id)
    else:
        found = ctx.store.find(Notice, request_id=request_id, resident_id=resident_id)
        notice = found[0] if found else None
    if notice is None:
        raise NotFound("notice" if notice_id else "request")
    return history(ctx, notice)


def consent_status(ctx: Ctx, consent_id: UUID) -> str | None:
    """The consent's DPV status now, or None if there is no such consent."""
    consent = ctx.store.get(Consent, consent_id)
    notice = ctx.store.get(Notice, consent.notice_id) if consent else None
    return None if notice is None else current_status(history(ctx, notice), consent_id)
