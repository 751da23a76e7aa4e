"""Footage requests: filing (with fan-out to residents), reading, closing, expiring."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from operator import attrgetter
from uuid import UUID

from app.policies.base import RequestQuestion
from app.workflow import audit, decisions
from app.workflow.area import cameras_in_circle
from app.workflow.case_numbers import case_key
from app.workflow.context import SYSTEM, Actor, Ctx
from app.workflow.errors import (
    Forbidden,
    NotFound,
    PartnershipInactive,
    RateLimited,
    RuleViolation,
)
from app.workflow.geo import distance_m
from app.workflow.records import Agency, FootageRequest, Notice, Partnership, Release, Resident
from app.workflow.states import NoticeResponse, RequestKind, RequestStatus, request_transition


@dataclass(frozen=True, slots=True)
class RequestDraft:
    case_number: str
    incident_type: str
    description: str
    center_lat: float
    center_lng: float
    radius_m: float
    window_start: datetime
    window_end: datetime
    kind: RequestKind = RequestKind.CONSENT
    # Emergency and legal requests: the justification or legal reference, the process, and
    # whether a court order bars telling the resident.
    justification: str = ""
    legal_process: str = ""
    nondisclosure_order: bool = False


@dataclass(frozen=True, slots=True)
class AgencyRequestView:
    """A request as its agency sees it: no resident appears, counts as the policy allows."""

    request: FootageRequest
    status: RequestStatus
    response_counts: dict[str, int | None] | None
    released_clips: int


def require_active_partnership(ctx: Ctx, agency_id: UUID) -> Agency:
    agency = ctx.store.get(Agency, agency_id)
    if agency is None:
        raise PartnershipInactive()
    partnerships = ctx.store.find(Partnership, agency_id=agency_id)
    if not any(p.is_active(ctx.clock.now()) for p in partnerships):
        raise PartnershipInactive()
    return agency


def _partnership(ctx: Ctx, agency_id: UUID) -> Partnership | None:
    now = ctx.clock.now()
    return next(
        (p for p in ctx.store.find(Partnership, agency_id=agency_id) if p.is_active(now)), None
    )


def check_eligibility(ctx: Ctx, agency: Agency) -> None:
    """Who may use the portal at all: verified agencies, non-federal ones, on required terms."""
    p = ctx.policy.params
    if p.verified_agencies_only and not agency.verified:
        raise Forbidden(
            "This policy admits only verified agencies; this agency is not verified.",
            code="agency_not_verified",
        )
    if p.federal_agencies_excluded and agency.federal:
        raise Forbidden(
            "This policy excludes federal agencies from the portal.", code="federal_agency_excluded"
        )
    partnership = _partnership(ctx, agency.id)
    if p.promotion_duty_required and (partnership is None or not partnership.promotion_duty):
        raise Forbidden(
            "This policy requires partnership terms with a duty to promote the platform; "
            "this agency's partnership has none.",
            code="partnership_terms_missing",
        )


def check_jurisdiction(agency: Agency, draft: RequestDraft) -> None:
    """A request's circle must reach into the agency's jurisdiction: the portal shows an agency
    its own area only, and a mistyped centre would otherwise notify residents of another town
    (Ring's Neighbors portal confined each agency's requests to its jurisdiction). Touching the
    boundary is enough, so an incident at the edge can still ask its neighbours' cameras."""
    apart = distance_m(agency.center_lat, agency.center_lng, draft.center_lat, draft.center_lng)
    if apart > agency.radius_m + draft.radius_m:
        raise RuleViolation(
            f"The request's area lies {apart - agency.radius_m - draft.radius_m:,.0f} m outside "
            f"this agency's jurisdiction ({agency.jurisdiction}): check its centre.",
            code="area_outside_jurisdiction",
        )


RATE_WINDOW = timedelta(days=1)


def check_rate(ctx: Ctx, agency_id: UUID) -> None:
    """At most `requests_per_agency_per_day` filings in any 24 hours (0: no cap)."""
    cap = ctx.policy.params.requests_per_agency_per_day
    if cap == 0:
        return
    now = ctx.clock.now()
    recent = sorted(
        r.filed_at
        for r in ctx.store.find(FootageRequest, agency_id=agency_id)
        if r.filed_at > now - RATE_WINDOW
    )
    if len(recent) >= cap:
        # The earliest filing that must leave the window before one more fits.
        frees_at = recent[len(recent) - cap] + RATE_WINDOW
        wait = max(1, math.ceil((frees_at - now).total_seconds()))
        raise RateLimited(
            f"This policy allows {cap} requests per agency in any 24 hours; "
            f"try again in {wait} seconds.",
            retry_after_seconds=wait,
        )


def file_request(ctx: Ctx, actor: Actor, *, agency_id: UUID, draft: RequestDraft) -> FootageRequest:
    """File a request. A consent request notifies every resident with a camera in the area
    (who may be told), or waits for an operator's review where the policy moderates; an
    emergency or legal request always waits for the operator (app/workflow/exceptions.py)."""
    draft = replace(draft, case_number=case_key(draft.case_number))
    agency = require_active_partnership(ctx, agency_id)
    check_eligibility(ctx, agency)
    check_rate(ctx, agency_id)
    check_jurisdiction(agency, draft)
    now = ctx.clock.now()
    # Exception requests do not count towards the consent limit per investigation.
    same_case = sum(
        1
        for r in ctx.store.find(FootageRequest, agency_id=agency_id, case_number=draft.case_number)
        if r.kind is RequestKind.CONSENT
    )
    question = RequestQuestion(
        kind=draft.kind,
        case_number=draft.case_number,
        incident_type=draft.incident_type,
        description=draft.description,
        radius_m=draft.radius_m,
        window_start=draft.window_start,
        window_end=draft.window_end,
        now=now,
        requests_in_investigation=same_case,
        legal_process=draft.legal_process,
        justification=draft.justification,
    )
    decision = ctx.policy.validate_request(question)
    if not decision.allowed:
        refused = RuleViolation(decision.reason, code=decision.code, rules=decision.rules)
        # The refusal changes no state, but the decision is logged once the rollback is done.
        refused.after_rollback = decisions.refusal_logger(actor, "request", question, decision)
        raise refused
    reviewed = draft.kind is not RequestKind.CONSENT or ctx.policy.params.moderation
    request = FootageRequest(
        id=ctx.new_id(),
        agency_id=agency_id,
        officer=actor.name,
        case_number=draft.case_number,
        incident_type=draft.incident_type,
        description=draft.description,
        kind=draft.kind,
        center_lat=draft.center_lat,
        center_lng=draft.center_lng,
        radius_m=draft.radius_m,
        window_start=draft.window_start,
        window_end=draft.window_end,
        status=RequestStatus.PENDING_REVIEW if reviewed else RequestStatus.OPEN,
        filed_at=now,
        expires_at=ctx.policy.expires_at(now),
        closed_at=None,
        policy_name=ctx.policy.name,
        justification=draft.justification,
        legal_process=draft.legal_process,
        nondisclosure_order=draft.nondisclosure_order,
    )
    ctx.store.add(request)
    audit.record(
        ctx,
        actor,
        "request.filed",
        "request",
        request.id,
        {
            "agency_id": str(agency_id),
            "officer": actor.name,
            "case_number": draft.case_number,
            "policy": ctx.policy.name,
            "policy_hash": ctx.policy.params.digest(),
            "decision": {"code": decision.code, "rules": list(decision.rules)},
            "kind": draft.kind.value,
            "status": request.status.value,
        },
    )
    decisions.log_decision(ctx, actor, "request", question, decision, about=("request", request.id))
    if request.status is RequestStatus.OPEN:
        notify_residents(ctx, request)
    return request


_id_number = attrgetter("int")


def notify_residents(ctx: Ctx, request: FootageRequest) -> list[Notice]:
    """One notice per resident with a camera in the area whom the policy lets us notify (I6)."""
    cameras = cameras_in_circle(ctx, request.center_lat, request.center_lng, request.radius_m)
    # In the order of their text: a UUID's text is its number in fixed-width hex, so sorting
    # by the number (no text made per id) gives that order (tests/workflow/test_id_order.py).
    resident_ids = sorted({c.resident_id for c in cameras}, key=_id_number)
    notices = []
    store, policy = ctx.store, ctx.policy
    # Ids written as text in every notice's entries, each made once: the request's for all
    # its notices, a notice's for its entry's subject and its decision's `about`.
    request_text = str(request.id)
    for resident_id in resident_ids:
        resident = store.get(Resident, resident_id)
        if resident is None:
            continue
        may = policy.may_notify(opted_out=resident.opted_out)
        if not may.allowed:
            decisions.log_decision(
                ctx,
                SYSTEM,
                "notice",
                {"opted_out": resident.opted_out},
                may,
                about=("resident", resident_id),
            )
            continue
        notice = Notice(
            id=ctx.new_id(),
            request_id=request.id,
            resident_id=resident_id,
            response=NoticeResponse.PENDING,
            sent_at=ctx.clock.now(),
            responded_at=None,
        )
        store.add(notice)
        notice_text = str(notice.id)
        audit.record(
            ctx,
            SYSTEM,
            "notice.sent",
            "notice",
            notice_text,
            {"request_id": request_text, "resident_id": str(resident_id)},
        )
        decisions.log_decision(
            ctx,
            SYSTEM,
            "notice",
            {"opted_out": resident.opted_out},
            may,
            about=("notice", notice_text),
        )
        notices.append(notice)
    return notices


def get_own_request(ctx: Ctx, *, agency_id: UUID, request_id: UUID) -> FootageRequest:
    """Another agency's request answers exactly like one that does not exist."""
    request = ctx.store.get(FootageRequest, request_id)
    if request is None or request.agency_id != agency_id:
        raise NotFound("request")
    return request


def agency_view(ctx: Ctx, request: FootageRequest) -> AgencyRequestView:
    now = ctx.clock.now()
    notices = ctx.store.find(Notice, request_id=request.id)
    shared = sum(1 for n in notices if n.response is NoticeResponse.SHARED)
    # Declined, ignored and expired are one number: the agency must not tell them apart (I4).
    counts = {"notified": len(notices), "shared": shared, "not_shared": len(notices) - shared}
    releases = ctx.store.find(Release, request_id=request.id)
    visible = sum(1 for r in releases if r.is_accessible(now))
    return AgencyRequestView(
        request=request,
        status=request.effective_status(now),
        response_counts=ctx.policy.response_counts(counts),
        released_clips=visible,
    )


def list_agency_requests(ctx: Ctx, *, agency_id: UUID) -> list[AgencyRequestView]:
    require_active_partnership(ctx, agency_id)
    requests = ctx.store.find(FootageRequest, agency_id=agency_id)
    requests.sort(key=lambda r: (r.filed_at, str(r.id)), reverse=True)
    return [agency_view(ctx, r) for r in requests]


def close_request(ctx: Ctx, actor: Actor, *, agency_id: UUID, request_id: UUID) -> FootageRequest:
    require_active_partnership(ctx, agency_id)
    request = ctx.store.get(FootageRequest, request_id, for_update=True)
    if request is None or request.agency_id != agency_id:
        raise NotFound("request")
    now = ctx.clock.now()
    status = request_transition(request.effective_status(now), RequestStatus.CLOSED)
    closed = replace(request, status=status, closed_at=now)
    ctx.store.save(closed)
    audit.record(ctx, actor, "request.closed", "request", request.id)
    _expire_pending_notices(ctx, closed)
    return closed


def expire_due(ctx: Ctx) -> int:
    """Mark requests past their expiry as expired; checks never wait for this (see is_open)."""
    now = ctx.clock.now()
    expired = 0
    for status in (RequestStatus.OPEN, RequestStatus.PENDING_REVIEW):
        for request in ctx.store.find(FootageRequest, status=status):
            if now >= request.expires_at:
                done = replace(request, status=request_transition(status, RequestStatus.EXPIRED))
                ctx.store.save(done)
                audit.record(ctx, SYSTEM, "request.expired", "request", request.id)
                _expire_pending_notices(ctx, done)
                expired += 1
    return expired


def _expire_pending_notices(ctx: Ctx, request: FootageRequest) -> None:
    for notice in ctx.store.find(Notice, request_id=request.id, response=NoticeResponse.PENDING):
        ctx.store.save(replace(notice, response=NoticeResponse.EXPIRED))
        audit.record(ctx, SYSTEM, "notice.expired", "notice", notice.id)
