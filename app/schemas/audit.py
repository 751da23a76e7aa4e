"""What an auditor reads: the log, releases with their basis, verification results.

Auditors see pseudonymous ids (which resident consented) but never names or contacts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field

from app.schemas.common import Body, NoNul


class AuditEntryOut(BaseModel):
    seq: int
    id: UUID
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]
    prev_hash: str
    entry_hash: str
    leaf_hash: str = ""


class AuditEntryList(BaseModel):
    data: list[AuditEntryOut]
    count: int
    next_start: int | None


class ConsentForAuditor(BaseModel):
    id: UUID
    resident_id: UUID
    clip_ids: list[UUID]
    status: str
    given_at: datetime
    withdrawn_at: datetime | None


class ReleaseForAuditor(BaseModel):
    id: UUID
    clip_id: UUID
    request_id: UUID
    agency_id: UUID
    basis: str
    released_at: datetime
    approved_by: str
    justification: str
    downloaded_at: datetime | None
    revoked_at: datetime | None
    consent: ConsentForAuditor | None


class ReleaseListForAuditor(BaseModel):
    data: list[ReleaseForAuditor]
    count: int


class ChainVerification(BaseModel):
    ok: bool
    size: int
    head: str
    first_bad_seq: int | None
    reason: str


class ViolationOut(BaseModel):
    invariant: str
    detail: str
    subject_type: str
    subject_id: str
    entries: list[int]


class InvariantOut(BaseModel):
    invariant: str
    description: str
    ok: bool
    violations: list[ViolationOut]


class LiveVerification(ChainVerification):
    """The log's verification (chain and Merkle root) and the invariants read off the data."""

    chain_ok: bool
    merkle_ok: bool
    root: str
    invariants: list[InvariantOut]


class InclusionProofOut(BaseModel):
    """RFC 9162 inclusion proof; hashes in base64, as in checkpoints and the public vectors."""

    index: int
    size: int
    leaf_hash: str
    proof: list[str]
    root: str
    entry: AuditEntryOut


class ConsistencyProofOut(BaseModel):
    size1: int
    size2: int
    root1: str
    root2: str
    proof: list[str]


class LogKeyOut(BaseModel):
    origin: str
    verifier_key: str
    key_id: str


class ReplayFindingOut(BaseModel):
    seq: int
    decision_id: str
    point: str
    kind: str
    logged: str
    now: str
    detail: str


class ReplayOut(BaseModel):
    ok: bool
    replayed: int
    findings: list[ReplayFindingOut]


class ConsentEventOut(BaseModel):
    status: str
    at: datetime
    entry_seq: int
    action: str
    consent_id: UUID | None


class ConsentHistoryOut(BaseModel):
    data: list[ConsentEventOut]
    count: int


class ReceiptOut(BaseModel):
    """A Kantara v1.1 consent receipt as a compact JWS (EdDSA), and its decoded claims."""

    receipt: str
    claims: dict[str, Any]
    history: list[ConsentEventOut]


class ReceiptCheck(Body):
    receipt: Annotated[str, Field(max_length=64 * 1024), NoNul]


class ReceiptVerification(BaseModel):
    valid: bool
    reason: str
    claims: dict[str, Any] | None
    log_entry_matches: bool | None
    dpv_status_now: str | None
