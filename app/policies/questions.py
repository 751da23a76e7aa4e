"""What a policy is asked and how it answers: plain frozen values, no workflow objects.

A policy sees only these, so it stays a pure function of its parameters and the question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from app.workflow.states import ConsentStatus, ReleaseBasis, RequestKind


class Outcome(StrEnum):
    ALLOW = "allow"
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class Decision:
    """A policy's answer, with the rules that fired and a one-line reason."""

    outcome: Outcome
    code: str
    reason: str
    rules: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW


def allow(reason: str, *rules: str) -> Decision:
    return Decision(Outcome.ALLOW, "allowed", reason, rules)


def deny(code: str, reason: str, *rules: str) -> Decision:
    return Decision(Outcome.DENY, code, reason, rules or (code,))


@dataclass(frozen=True, slots=True)
class RequestQuestion:
    """May this request be filed? Everything the policy needs, as plain values."""

    kind: RequestKind
    case_number: str
    incident_type: str
    description: str
    radius_m: float
    window_start: datetime
    window_end: datetime
    now: datetime
    requests_in_investigation: int
    # Legal demands: "warrant" or "subpoena"; empty for consent and emergency requests.
    legal_process: str = ""
    justification: str = ""


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    resident_id: UUID
    request_id: UUID
    clip_ids: tuple[UUID, ...]
    status: ConsentStatus
    given_at: datetime
    withdrawn_at: datetime | None
    release_after: datetime
    request_was_open_at_consent: bool


@dataclass(frozen=True, slots=True)
class ReleaseQuestion:
    """May this clip be released to this agency for this request, now?"""

    basis: ReleaseBasis
    now: datetime
    clip_id: UUID
    clip_owner_id: UUID
    clip_starts_at: datetime
    clip_ends_at: datetime
    clip_encrypted: bool
    clip_retained_until: datetime
    clip_in_area: bool
    request_id: UUID
    request_kind: RequestKind
    window_start: datetime
    window_end: datetime
    consent: ConsentFacts | None
    already_released: bool
    # Exception requests: who approved them, and the kind of legal process.
    request_approved_by: str = ""
    legal_process: str = ""


@dataclass(frozen=True, slots=True)
class MapCell:
    cell: str
    count: int | None  # None: suppressed
