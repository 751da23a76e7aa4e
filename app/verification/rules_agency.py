"""The agency's rules: filing requests (consent, emergency, legal; valid and not; eligible
agencies and not), closing its own and others' requests, and reading what the portal shows.

Every filing is judged against the model's own prediction (filing.py): accepted when the
policy's parameters say it must be, refused with one of the reasons they give otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from app.verification import world
from app.verification.agency_reads import AgencyReads
from app.verification.driver_api import Outcome
from app.verification.filing import (
    PLATFORM_CODES,
    WHY,
    edge_limited,
    expected_refusals,
    goes_to_review,
    investigation,
)
from app.verification.findings import Finding, violation
from app.verification.machine_base import PICK, pick
from app.verification.model import ModelAgency, ModelRequest
from app.workflow.requests import RequestDraft
from app.workflow.states import RequestKind

INCIDENT = timedelta(hours=6)
# A legal demand's process, and whether a court bars telling the resident.
LEGAL = st.sampled_from([("warrant", False), ("subpoena", False), ("warrant", True)])


def judge_filing(
    agency: ModelAgency, label: str, expected: set[str] | None, done: Outcome
) -> list[Finding]:
    """The service's answer against the model's: `expected` is the set of acceptable refusal
    codes (empty: must accept), or None where the policy's own limits decide the rest."""
    what = f"agency {agency.label}'s request {label}"
    if done.ok and expected:
        reasons = "; ".join(sorted(WHY.get(code, code) for code in expected))
        return [violation("policy", f"{what} was accepted, but {reasons} ({sorted(expected)})")]
    if done.ok:
        return []
    if expected is None:
        if done.code in PLATFORM_CODES:
            return [
                violation("conformance", f"{what} was refused ({done.code}); the agency may file")
            ]
        return []
    if not expected:
        return [
            violation("conformance", f"{what}, valid under the policy, was refused ({done.code})")
        ]
    if done.code not in expected:
        # Refused, but not by the platform rule that applies first: that rule was skipped.
        skipped = expected <= PLATFORM_CODES and done.code not in PLATFORM_CODES
        return [
            violation(
                "policy" if skipped else "conformance",
                f"{what} was refused with {done.code}; the policy's reasons: {sorted(expected)}",
            )
        ]
    return []


SPELLINGS: dict[str, Callable[[str], str]] = {
    "as filed": lambda case: case,
    "lower case": str.lower,
    "padded": lambda case: f"  {case} ",
}


class AgencyRules(AgencyReads):
    """Filing, closing and reading, as any agency (partnered or not, eligible or not)."""

    @precondition(lambda self: bool(self.model.agencies))
    @rule(
        a=PICK,
        cx=st.integers(-3, 3),
        cy=st.integers(-3, 3),
        radius=st.sampled_from(world.VALID_RADII * 2 + world.INVALID_RADII),
        ago=st.integers(2, 12),
        minutes=st.sampled_from([60, 180, 60, 180, 5, 900]),
        incident=st.sampled_from(["burglary", "package_theft", "burglary", "lawful_protest"]),
        case=st.integers(0, 2),
        kind=st.sampled_from(
            [RequestKind.CONSENT] * 4 + [RequestKind.EMERGENCY, RequestKind.LEGAL]
        ),
        legal=LEGAL,
        anchor=st.sampled_from(["city", "now", "now"]),
        # Now and then a centre away from the city (world.AWAY_CENTRES): at the jurisdiction's
        # edge, or far outside it. Rare, since most such filings are refused.
        place=st.sampled_from(["city"] * 10 + ["edge", "far"]),
        # The case number as typed: a case is one investigation however it is spelled.
        spelling=st.sampled_from(["as filed"] * 4 + ["lower case", "padded"]),
    )
    def file_request(
        self,
        a: int,
        cx: int,
        cy: int,
        radius: float,
        ago: int,
        minutes: int,
        incident: str,
        case: int,
        kind: RequestKind,
        legal: tuple[str, bool] = ("warrant", False),
        anchor: str = "now",
        place: str = "city",
        spelling: str = "as filed",
    ) -> None:
        """File a request whose window starts `ago` half-hours before now, or before the
        moment the city was set up (`anchor="city"`): the incident the first clips recorded,
        which days later only a request reaching back that far (or too far) can cover. The centre
        is the city's grid point (`cx`, `cy`), or the `place` away from the city."""
        self.begin("file request")
        agency: ModelAgency = pick(self.agencies(), a)
        if place == "city":
            lat, lng = world.request_centre(cx, cy)
            where = f"({cx}, {cy})"
        else:
            lat, lng = world.away_centre(place)
            where = f"the {place} centre, {math.hypot(*world.AWAY_CENTRES[place]):,.0f} m away"
        origin = world.START if anchor == "city" else self.clock.now()
        start = origin - timedelta(minutes=30 * ago)
        is_legal = kind is RequestKind.LEGAL
        if kind is not RequestKind.CONSENT:
            # An emergency or a warrant is about the incident the city started with: the six
            # hours before it, when its first clips were recorded (no window limit applies).
            start, minutes, anchor = (
                world.START - INCIDENT,
                INCIDENT // timedelta(minutes=1),
                "city",
            )
            ago = INCIDENT // timedelta(minutes=30)
        draft = RequestDraft(
            case_number=SPELLINGS[spelling](f"CASE-{agency.label}-{case}"),
            incident_type=incident,
            description="Verifier request",
            center_lat=lat,
            center_lng=lng,
            radius_m=radius,
            window_start=start,
            window_end=start + timedelta(minutes=minutes),
            kind=kind,
            justification="" if kind is RequestKind.CONSENT else f"{kind.value} reference W-{case}",
            legal_process=legal[0] if is_legal else "",
            nondisclosure_order=legal[1] if is_legal else False,
        )
        label = self.model.next_label("R", self.model.requests)
        now = self.clock.now()
        burst = self.driver.filing_burst_limit
        if burst is not None and not edge_limited(agency, burst, now):
            agency.edge_hits.append(now)  # the edge counts it, whatever the service answers
            expected = expected_refusals(self.config.policy, agency, draft, now)
        else:
            expected = expected_refusals(self.config.policy, agency, draft, now, burst)
        review = goes_to_review(self.config.policy, kind)
        recipients = set() if review else self.model.expected_recipients(lat, lng, radius)
        done = self.driver.file_request(agency.id, draft)
        what = kind.value if not is_legal else f"legal ({legal[0]}{', gagged' if legal[1] else ''})"
        since = f"{ago / 2:g} h ago" if anchor == "now" else f"{ago / 2:g} h before the start"
        text = (
            f"agency {agency.label} files {what} request {label}: {radius:g} m "
            f"around {where}, {minutes} min from {since}, {incident}"
        )
        outcome = (
            " -> waits for the operator's review"
            if review
            else (f" -> {len(recipients)} residents to notify")
        )
        self.outcome(done, text + (outcome if done.ok else ""))
        self.flag(judge_filing(agency, label, expected, done))
        if not done.ok or done.value is None:
            self.config.coverage[f"filings refused ({done.code})"] += 1
            return
        self.config.coverage["filings accepted"] += 1
        agency.filings.append(now)
        if kind is RequestKind.CONSENT:
            key = investigation(draft.case_number)
            agency.consent_cases[key] = agency.consent_cases.get(key, 0) + 1
        in_area = self.model.residents_in_area(lat, lng, radius)
        opted = {r for r in in_area if self.model.residents[r].opted_out}
        self.model.requests[done.value] = ModelRequest(
            label,
            done.value,
            agency.id,
            kind.value,
            lat,
            lng,
            radius,
            draft.window_start,
            draft.window_end,
            now,
            self.config.policy.expires_at(now),
            None,
            frozenset(recipients),
            frozenset() if review else frozenset(opted),
            dict.fromkeys(recipients, "pending"),
            state="review" if review else "open",
            legal_process=draft.legal_process,
            nondisclosure_order=draft.nondisclosure_order,
        )
        self.config.coverage["residents notified"] += len(recipients)

    @precondition(lambda self: bool(self.model.agencies))
    @rule(
        what=st.sampled_from(
            ["map", "requests", "request", "footage", "download", "download", "close"]
        ),
        a=PICK,
        q=PICK,
        aim=st.sampled_from(["own", "own", "other", "guess", "clip"]),
        i=PICK,
    )
    def agency_reads(self, what: str, a: int, q: int, aim: str, i: int) -> None:
        """An agency reads the map, its requests, footage lists, or downloads any id
        (released, unreleased, another agency's, guessed); or closes a request, its own or
        another's (one action among the agency's, as rare as it is in the portal)."""
        self.begin("close request" if what == "close" else f"agency reads {what}")
        agency: ModelAgency = pick(self.agencies(), a)
        requests = self.requests()
        if what == "close" and requests:
            self.close_request(agency, pick(requests, q))
        elif what in ("map", "close") or (what in ("request", "footage") and not requests):
            self.look_at_map(agency)
        elif what == "requests":
            self.look_at_requests(agency)
        elif what == "request":
            self.look_at_request(agency, pick(requests, q))
        elif what == "footage":
            self.look_at_footage(agency, pick(requests, q))
        else:
            self.try_download(agency, aim, i)

    def close_request(self, agency: ModelAgency, request: ModelRequest) -> None:
        now = self.clock.now()
        # An agency may close its own request while it is open or still waiting for review.
        valid = (
            request.agency_id == agency.id
            and self.model.partnered(agency.id)
            and (request.is_open(now) or request.awaiting_review(now))
        )
        done = self.outcome(
            self.driver.close(agency.id, request.id),
            f"agency {agency.label} closes request {request.label}",
        )
        if done.ok != valid:
            self.flag_answer(f"closing {request.label} by {agency.label}", done)
        if done.ok and request.closed_at is None:
            request.closed_at = now
            request.state = "closed"
