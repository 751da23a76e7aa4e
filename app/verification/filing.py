"""The model's own answer to "may this agency file this request now?", from the policy's
published parameters, never from the service's code.

Filing goes through the platform's rules (an active partnership; eligibility: verified
agencies, no federal agencies, partnership terms with a promotion duty; a daily rate per
agency; the jurisdiction), then the policy's request limits. The platform rules are read
straight off `PolicyParams`, and the jurisdiction off the model's own agency: a request's
circle must reach into the agency's circle (touching is enough), under every policy, so the
model measures the distance between the two centres itself (h3's great-circle distance, not
the service's geometry). The machine files now and then from a centre outside the city for it
(world.AWAY_CENTRES). The request limits are re-derived too, but only for a policy that keeps the
standard `validate_request`: a researcher's own `validate_request` is theirs to define, so for
such a policy the model predicts the platform rules alone and lets the policy refuse for its
own reasons.

The answer is a set of refusal codes, any of which the service may give (when several rules
are broken at once the model does not insist on the service's order of checking); an empty set
means the filing must be accepted.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from app.policies.base import Policy, StandardPolicy
from app.verification.model import ModelAgency, distance_m
from app.workflow.requests import RequestDraft
from app.workflow.states import RequestKind

SQ_METRES_PER_SQ_MILE = 1609.344**2
RATE_WINDOW = timedelta(hours=24)
# Codes of the platform's own rules, which come before (and apart from) the policy's limits.
PLATFORM_CODES = frozenset(
    {
        "partnership_inactive",
        "agency_not_verified",
        "federal_agency_excluded",
        "partnership_terms_missing",
        "rate_limited",
        "area_outside_jurisdiction",
    }
)
# Why each platform refusal matters, for a readable finding.
WHY = {
    "partnership_inactive": "the agency has no active partnership",
    "agency_not_verified": "the policy admits verified agencies only",
    "federal_agency_excluded": "the policy excludes federal agencies",
    "partnership_terms_missing": "the policy requires partnership terms with a promotion duty",
    "rate_limited": "the agency reached the policy's daily rate or the edge's burst limit",
    "area_outside_jurisdiction": "the request's circle lies wholly outside the agency's "
    "jurisdiction",
}


def outside_jurisdiction(agency: ModelAgency, draft: RequestDraft) -> bool:
    """Whether the request's circle misses the agency's circle altogether (touching is
    enough to be inside); the same for every policy and every kind of request."""
    apart = distance_m(agency.lat, agency.lng, draft.center_lat, draft.center_lng)
    return apart > agency.radius_m + draft.radius_m


def platform_refusals(
    policy: Policy, agency: ModelAgency | None, draft: RequestDraft, now: datetime
) -> set[str]:
    """The platform's rules: partnership, eligibility, the daily rate, the jurisdiction."""
    p = policy.params
    if agency is None or agency.partnership != "active":
        return {"partnership_inactive"}
    out = set()
    if p.verified_agencies_only and not agency.verified:
        out.add("agency_not_verified")
    if p.federal_agencies_excluded and agency.federal:
        out.add("federal_agency_excluded")
    if p.promotion_duty_required and not agency.promotion_duty:
        out.add("partnership_terms_missing")
    cap = p.requests_per_agency_per_day
    if cap and sum(1 for t in agency.filings if now - t < RATE_WINDOW) >= cap:
        out.add("rate_limited")
    if outside_jurisdiction(agency, draft):
        out.add("area_outside_jurisdiction")
    return out


def standard_limits(policy: Policy) -> bool:
    """Whether the policy keeps the standard request limits the model can re-derive."""
    method = getattr(type(policy), "validate_request", None)
    return isinstance(policy, StandardPolicy) and method is StandardPolicy.validate_request


def limit_refusals(
    policy: Policy, agency: ModelAgency, draft: RequestDraft, now: datetime
) -> set[str]:
    """The standard request limits, re-derived from the parameters (consent requests), or
    the rules for emergency and legal requests."""
    p = policy.params
    out = set()
    if draft.kind is not RequestKind.CONSENT:
        if draft.kind is RequestKind.EMERGENCY and not p.emergency_disclosure:
            out.add("exception_not_allowed")
        if draft.kind is RequestKind.LEGAL:
            if draft.legal_process not in ("warrant", "subpoena"):
                out.add("legal_process_unknown")
            elif not (p.warrants if draft.legal_process == "warrant" else p.subpoenas):
                out.add("exception_not_allowed")
        if not draft.justification.strip():
            out.add("justification_required")
        if draft.window_end > now:
            out.add("window_in_future")
        if draft.window_start < now - timedelta(days=p.retention_days):
            out.add("window_too_old")
        return out
    if not p.consent_requests:
        out.add("consent_requests_closed")
    if p.case_number_required and not draft.case_number.strip():
        out.add("case_number_required")
    if draft.incident_type in p.refused_incident_types:
        out.add("incident_type_refused")
    area = math.pi * draft.radius_m**2 / SQ_METRES_PER_SQ_MILE
    if not p.min_area_sq_mi <= area <= p.max_area_sq_mi:
        out.add("area_out_of_bounds")
    minutes = (draft.window_end - draft.window_start) / timedelta(minutes=1)
    if not p.min_window_minutes <= minutes <= p.max_window_minutes:
        out.add("window_out_of_bounds")
    if draft.window_end > now:
        out.add("window_in_future")
    if draft.window_start < now - timedelta(days=p.lookback_days):
        out.add("window_too_old")
    filed = agency.consent_cases.get(investigation(draft.case_number), 0)
    if filed >= p.requests_per_investigation:
        out.add("investigation_limit")
    return out


EDGE_WINDOW = timedelta(hours=1)


def edge_limited(agency: ModelAgency, burst_limit: int | None, now: datetime) -> bool:
    """The HTTP edge's burst limit: at most `burst_limit` filings per agency in any hour."""
    if burst_limit is None:
        return False
    return sum(1 for t in agency.edge_hits if now - t < EDGE_WINDOW) >= burst_limit


def expected_refusals(
    policy: Policy,
    agency: ModelAgency | None,
    draft: RequestDraft,
    now: datetime,
    burst_limit: int | None = None,
) -> set[str] | None:
    """The codes the service may refuse this filing with; empty: it must be accepted; None:
    the policy's own `validate_request` decides the rest (only the platform rules are known,
    and they allow it). The HTTP edge's burst limit, where there is one, answers first."""
    if agency is not None and edge_limited(agency, burst_limit, now):
        return {"rate_limited"}
    platform = platform_refusals(policy, agency, draft, now)
    if platform or agency is None:
        return platform
    if not standard_limits(policy):
        return None
    return limit_refusals(policy, agency, draft, now)


def goes_to_review(policy: Policy, kind: RequestKind) -> bool:
    """An accepted filing waits for the operator under moderation, or if it is not a consent
    request (an emergency request or legal demand is never sent to residents)."""
    return kind is not RequestKind.CONSENT or policy.params.moderation


def investigation(case_number: str) -> str:
    """The investigation a case number names, as the model counts them: spellings that differ
    only in case or in white space at the ends name the same one (the verifier types no other
    variants; the service's own rule, app/workflow/case_numbers.py `case_key`, goes further)."""
    return case_number.strip().upper()
