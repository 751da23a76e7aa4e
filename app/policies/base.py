"""The Policy protocol: frozen parameters plus a few pure methods (DESIGN.md, property 4).

`StandardPolicy` is the default implementation every preset instantiates with its own
parameters; a researcher writes a new policy as a module that does the same, or subclasses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from app.policies.params import IdentityOnShare, PolicyParams, ResponseStats
from app.policies.questions import (
    ConsentFacts,
    Decision,
    MapCell,
    Outcome,
    ReleaseQuestion,
    RequestQuestion,
    allow,
    deny,
)

# The questions and answers live in app/policies/questions.py; importing them from here works
# as it always did.
__all__ = [
    "ConsentFacts",
    "Decision",
    "MapCell",
    "Outcome",
    "Policy",
    "ReleaseQuestion",
    "RequestQuestion",
    "StandardPolicy",
    "allow",
    "area_sq_mi",
    "deny",
    "describe",
    "resident_is_told",
    "sorted_ids",
]
from app.workflow.states import ConsentStatus, ReleaseBasis, RequestKind

SQ_METRES_PER_SQ_MILE = 2_589_988.110336


class Policy(Protocol):
    name: str
    version: str
    params: PolicyParams

    def validate_request(self, q: RequestQuestion) -> Decision: ...

    def may_notify(self, *, opted_out: bool) -> Decision: ...

    def decide_release(self, q: ReleaseQuestion) -> Decision: ...

    def shape_map(self, counts: Mapping[str, int]) -> list[MapCell]: ...

    def response_counts(self, counts: Mapping[str, int]) -> dict[str, int | None] | None: ...

    def neighbor_label(self, *, ordinal: int, name: str, contact: str) -> str: ...

    def expires_at(self, filed_at: datetime) -> datetime: ...

    def release_after(self, given_at: datetime) -> datetime: ...

    def retained_until(self, recorded_at: datetime) -> datetime: ...


def area_sq_mi(radius_m: float) -> float:
    return 3.141592653589793 * radius_m * radius_m / SQ_METRES_PER_SQ_MILE


class StandardPolicy:
    """Rules driven entirely by `PolicyParams`; presets differ only in their parameters."""

    version = "1"

    def __init__(self, name: str, params: PolicyParams, description: str = "") -> None:
        self.name = name
        self.params = params
        self.description = description

    # --- requests -------------------------------------------------------------------------
    def validate_request(self, q: RequestQuestion) -> Decision:
        p = self.params
        if q.kind is not RequestKind.CONSENT:
            return self._validate_exception_request(q)
        if not p.consent_requests:
            return deny(
                "consent_requests_closed",
                "This policy takes no requests to residents through the portal; "
                "only legal process or an emergency request can obtain footage.",
                "consent_requests",
            )
        if p.case_number_required and not q.case_number.strip():
            return deny("case_number_required", "A case number is required.", "case_number")
        if q.incident_type in p.refused_incident_types:
            return deny(
                "incident_type_refused",
                f"Requests about {q.incident_type!r} are not allowed (lawful activity).",
                "refused_incident_types",
            )
        area = area_sq_mi(q.radius_m)
        if not p.min_area_sq_mi <= area <= p.max_area_sq_mi:
            return deny(
                "area_out_of_bounds",
                f"The area is {area:.3f} square miles; the policy allows "
                f"{p.min_area_sq_mi} to {p.max_area_sq_mi}.",
                "min_area_sq_mi" if area < p.min_area_sq_mi else "max_area_sq_mi",
            )
        minutes = (q.window_end - q.window_start) / timedelta(minutes=1)
        if not p.min_window_minutes <= minutes <= p.max_window_minutes:
            return deny(
                "window_out_of_bounds",
                f"The time window is {minutes:g} minutes; the policy allows "
                f"{p.min_window_minutes} to {p.max_window_minutes}.",
                "min_window_minutes" if minutes < p.min_window_minutes else "max_window_minutes",
            )
        if q.window_end > q.now:
            return deny("window_in_future", "The time window must have ended already.", "window")
        if q.window_start < q.now - timedelta(days=p.lookback_days):
            return deny(
                "window_too_old",
                f"The time window must lie within the last {p.lookback_days} days.",
                "lookback_days",
            )
        if q.requests_in_investigation >= p.requests_per_investigation:
            return deny(
                "investigation_limit",
                f"At most {p.requests_per_investigation} requests per investigation (case number).",
                "requests_per_investigation",
            )
        return allow("The request is within every limit of the policy.", "request_limits")

    def _validate_exception_request(self, q: RequestQuestion) -> Decision:
        """Emergency and legal requests: declared by the policy, justified, about the past."""
        p = self.params
        if q.kind is RequestKind.EMERGENCY and not p.emergency_disclosure:
            return deny(
                "exception_not_allowed",
                "This policy declares no emergency exception.",
                "emergency_disclosure",
            )
        if q.kind is RequestKind.LEGAL:
            if q.legal_process not in ("warrant", "subpoena"):
                return deny(
                    "legal_process_unknown",
                    "A legal demand is a warrant or a subpoena.",
                    "legal_process",
                )
            allowed = p.warrants if q.legal_process == "warrant" else p.subpoenas
            if not allowed:
                key = "warrants" if q.legal_process == "warrant" else "subpoenas"
                return deny(
                    "exception_not_allowed",
                    f"This policy does not answer a {q.legal_process}.",
                    key,
                )
        if not q.justification.strip():
            return deny(
                "justification_required",
                "An exception request needs its justification or legal reference.",
                "justification",
            )
        if q.window_end > q.now:
            return deny("window_in_future", "The time window must have ended already.", "window")
        if q.window_start < q.now - timedelta(days=p.retention_days):
            return deny(
                "window_too_old",
                f"No footage older than the {p.retention_days} days of retention exists.",
                "retention_days",
            )
        return allow("The policy declares this exception.", f"exceptions.{q.kind.value}")

    def may_notify(self, *, opted_out: bool) -> Decision:
        if opted_out and self.params.honour_opt_out:
            return deny("opted_out", "The resident opted out of all requests.", "honour_opt_out")
        return allow("The resident has a camera in the area.", "reach")

    # --- release --------------------------------------------------------------------------
    def decide_release(self, q: ReleaseQuestion) -> Decision:
        """The consent rules of invariant I1 and the time rule of I8."""
        if q.already_released:
            return deny("already_released", "This clip was already released for this request.")
        if q.now > q.clip_retained_until:
            return deny("past_retention", "The clip is past its retention date.", "retention")
        if not (q.clip_starts_at < q.window_end and q.clip_ends_at > q.window_start):
            return deny("clip_outside_window", "The clip is outside the request's window.")
        if not q.clip_in_area:
            return deny("clip_outside_area", "The clip's camera is outside the request's area.")
        if q.basis is not ReleaseBasis.CONSENT:
            return self._decide_exception_release(q)
        c = q.consent
        if c is None:
            return deny("consent_missing", "There is no consent for this clip.", "I1")
        if c.resident_id != q.clip_owner_id:
            return deny("consent_not_owner", "The consent is not the clip owner's.", "I1")
        if c.request_id != q.request_id:
            return deny("consent_other_request", "The consent is for another request.", "I1")
        if q.clip_id not in c.clip_ids:
            return deny("clip_not_in_consent", "The consent's scope does not name this clip.", "I1")
        if c.status is not ConsentStatus.GIVEN or c.withdrawn_at is not None:
            return deny("consent_withdrawn", "The consent was withdrawn.", "I1")
        if c.given_at > q.now or q.now < c.release_after:
            return deny("cooling_off", "The cooling-off period has not passed.", "cooling_off")
        if not c.request_was_open_at_consent:
            return deny("request_not_open", "The request was not open when consent was given.")
        return allow("The owner consented to this clip for this request.", "I1", "I8")

    def _decide_exception_release(self, q: ReleaseQuestion) -> Decision:
        """Invariant I2: only a declared, approved exception; never end-to-end encrypted."""
        p = self.params
        if q.clip_encrypted:
            # The platform holds no key to end-to-end encrypted footage: it cannot produce it.
            return deny(
                "end_to_end_encrypted",
                "The clip is end-to-end encrypted; the platform cannot produce it.",
                "I2",
                "encryption",
            )
        declared = (
            q.basis is ReleaseBasis.EMERGENCY
            and p.emergency_disclosure
            and q.request_kind is RequestKind.EMERGENCY
        ) or (
            q.basis is ReleaseBasis.LEGAL
            and p.warrants
            and q.request_kind is RequestKind.LEGAL
            and q.legal_process == "warrant"  # a subpoena never obtains content
        )
        if not declared:
            return deny(
                "exception_not_allowed",
                f"This policy declares no {q.basis.value} exception for this request.",
                f"exceptions.{q.basis.value}",
            )
        if not q.request_approved_by:
            return deny(
                "exception_not_approved",
                "An operator has not approved this exception.",
                "I2",
            )
        return allow(f"A declared, approved {q.basis.value} exception.", "I2")

    # --- what the agency sees -------------------------------------------------------------
    def shape_map(self, counts: Mapping[str, int]) -> list[MapCell]:
        k = self.params.map_k
        return [MapCell(cell, n if n >= k else None) for cell, n in sorted(counts.items())]

    def response_counts(self, counts: Mapping[str, int]) -> dict[str, int | None] | None:
        mode = self.params.response_stats
        if mode is ResponseStats.NONE:
            return None
        if mode is ResponseStats.RAW:
            return dict(counts)
        # Below k a count could single out one household: blank it (I4). The parts of the
        # total are blanked together, or one would be the total minus the other.
        k = self.params.stats_k
        total = counts.get("notified", 0)
        parts = {key: n for key, n in counts.items() if key != "notified"}
        hide_parts = any(n < k for n in parts.values())
        shaped: dict[str, int | None] = {"notified": total if total >= k else None}
        shaped.update({key: (None if hide_parts else n) for key, n in parts.items()})
        return shaped

    def neighbor_label(self, *, ordinal: int, name: str, contact: str) -> str:
        mode = self.params.identity_on_share
        if mode is IdentityOnShare.PSEUDONYM:
            return f"Neighbor #{ordinal}"
        if mode is IdentityOnShare.CONTACT:
            return f"{name} <{contact}>"
        return ""

    # --- time -----------------------------------------------------------------------------
    def expires_at(self, filed_at: datetime) -> datetime:
        return filed_at + timedelta(days=self.params.request_open_days)

    def release_after(self, given_at: datetime) -> datetime:
        return given_at + timedelta(minutes=self.params.cooling_off_minutes)

    def retained_until(self, recorded_at: datetime) -> datetime:
        return recorded_at + timedelta(days=self.params.retention_days)


def resident_is_told(params: PolicyParams, basis: ReleaseBasis, *, barred: bool) -> bool:
    """Whether the resident is told of a release of their footage (I2). A function of the
    parameters, not a Policy method, so every policy answers it the same way."""
    if basis is ReleaseBasis.CONSENT:
        return True  # they chose it
    if basis is ReleaseBasis.EMERGENCY:
        return params.tell_resident_after_emergency
    return params.tell_resident_of_legal_process and not barred


def describe(policy: Policy) -> dict[str, object]:
    """What `GET /policy` shows."""
    return {
        "name": policy.name,
        "version": policy.version,
        "parameters": policy.params.as_dict(),
        "parameter_hash": policy.params.digest(),
        "description": getattr(policy, "description", ""),
    }


def sorted_ids(ids: Sequence[UUID]) -> list[UUID]:
    return sorted(ids, key=str)
