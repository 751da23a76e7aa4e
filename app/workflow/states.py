"""Every state is an enum member and every change goes through one transition table.

Scattered allowed-lists per endpoint are how requests end up stuck in a status; here a
transition that is not in the table raises `IllegalTransition`, whoever asks for it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from app.workflow.errors import IllegalTransition


class Role(StrEnum):
    OPERATOR = "operator"
    AGENCY = "agency"
    RESIDENT = "resident"
    AUDITOR = "auditor"


class PartnershipStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class RequestKind(StrEnum):
    CONSENT = "consent"
    EMERGENCY = "emergency"
    LEGAL = "legal"


class RequestStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    OPEN = "open"
    REJECTED = "rejected"
    CLOSED = "closed"
    EXPIRED = "expired"


class NoticeResponse(StrEnum):
    PENDING = "pending"
    SHARED = "shared"
    DECLINED = "declined"
    EXPIRED = "expired"


class ConsentStatus(StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class ReleaseBasis(StrEnum):
    CONSENT = "consent"
    EMERGENCY = "emergency"
    LEGAL = "legal"


_REQUEST_TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.PENDING_REVIEW: frozenset(
        {RequestStatus.OPEN, RequestStatus.REJECTED, RequestStatus.CLOSED, RequestStatus.EXPIRED}
    ),
    RequestStatus.OPEN: frozenset({RequestStatus.CLOSED, RequestStatus.EXPIRED}),
    RequestStatus.REJECTED: frozenset(),
    RequestStatus.CLOSED: frozenset(),
    RequestStatus.EXPIRED: frozenset(),
}

# A resident may share more clips after a first share while the request is open; declining and
# expiry are final, so an agency can never turn a "no" into a "yes" by asking again.
_NOTICE_TRANSITIONS: dict[NoticeResponse, frozenset[NoticeResponse]] = {
    NoticeResponse.PENDING: frozenset(
        {NoticeResponse.SHARED, NoticeResponse.DECLINED, NoticeResponse.EXPIRED}
    ),
    NoticeResponse.SHARED: frozenset({NoticeResponse.SHARED}),
    NoticeResponse.DECLINED: frozenset(),
    NoticeResponse.EXPIRED: frozenset(),
}

_CONSENT_TRANSITIONS: dict[ConsentStatus, frozenset[ConsentStatus]] = {
    ConsentStatus.GIVEN: frozenset({ConsentStatus.WITHDRAWN}),
    ConsentStatus.WITHDRAWN: frozenset(),
}

_PARTNERSHIP_TRANSITIONS: dict[PartnershipStatus, frozenset[PartnershipStatus]] = {
    PartnershipStatus.PENDING: frozenset({PartnershipStatus.ACTIVE, PartnershipStatus.ENDED}),
    PartnershipStatus.ACTIVE: frozenset({PartnershipStatus.SUSPENDED, PartnershipStatus.ENDED}),
    PartnershipStatus.SUSPENDED: frozenset({PartnershipStatus.ACTIVE, PartnershipStatus.ENDED}),
    PartnershipStatus.ENDED: frozenset(),
}


S = TypeVar("S", bound=StrEnum)


def _check(table: dict[S, frozenset[S]], what: str, current: S, target: S) -> S:
    if target not in table[current]:
        raise IllegalTransition(what, current.value, target.value)
    return target


def request_transition(current: RequestStatus, target: RequestStatus) -> RequestStatus:
    return _check(_REQUEST_TRANSITIONS, "request", current, target)


def notice_transition(current: NoticeResponse, target: NoticeResponse) -> NoticeResponse:
    return _check(_NOTICE_TRANSITIONS, "notice", current, target)


def consent_transition(current: ConsentStatus, target: ConsentStatus) -> ConsentStatus:
    return _check(_CONSENT_TRANSITIONS, "consent", current, target)


def partnership_transition(
    current: PartnershipStatus, target: PartnershipStatus
) -> PartnershipStatus:
    return _check(_PARTNERSHIP_TRANSITIONS, "partnership", current, target)
