"""The stateful property machine: every action of every role, hostile ones included.

Each rule performs one action through a `Driver`, tells the reference model what it did, and
judges the answer; the invariant after every step compares the stored state with the model
(audit_checks.py, release_checks.py, agency_view_checks.py). A broken invariant raises
`GuaranteeBroken` with the numbered trace, which hypothesis then shrinks to the shortest
history that still breaks it.
"""

from __future__ import annotations

import math
from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from app.verification import world
from app.verification.audit_checks import check_audit
from app.verification.filing import SQ_METRES_PER_SQ_MILE
from app.verification.findings import GuaranteeBroken, Verdict
from app.verification.machine_base import PICK, pick
from app.verification.model import ModelClip, ModelConsent, ModelRequest
from app.verification.release_checks import check_consents_and_notices, check_request_states
from app.verification.rules_agency import AgencyRules
from app.verification.rules_operator import TRAITS, AgencyTraits, OperatorRules
from app.verification.rules_resident import ResidentRules
from app.verification.rules_review import ReviewRules
from app.workflow.states import ReleaseBasis, RequestKind

# The platform's background jobs run on one step in three: often enough to release and expire,
# rarely enough that the checks that must not wait for them (I8) are reached without them.
SOMETIMES = st.sampled_from([False, True, False])
ADVANCES = (timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=61))
OPENING_MINUTES = 330


def _sq_mi(radius_m: float) -> float:
    return math.pi * radius_m**2 / SQ_METRES_PER_SQ_MILE


def _duration(delta: timedelta) -> str:
    hours, rest = divmod(delta.seconds, 3600)
    text = f"{delta.days} days " if delta.days else ""
    return text + (f"{hours} h {rest // 60} min" if delta.seconds else "")


class ConsentMachine(OperatorRules, ReviewRules, AgencyRules, ResidentRules):
    """The city, the platform's clock and jobs, the gate asked directly, and the invariant;
    each role's rules live in its own module (rules_*.py)."""

    @initialize(
        sites=st.lists(st.tuples(st.integers(-4, 4), st.integers(-4, 4)), min_size=2, max_size=5),
        clip_ago=st.lists(st.integers(2, 10), min_size=5, max_size=5),
        radius=st.sampled_from(world.VALID_RADII),
        traits=TRAITS,
    )
    def city(
        self,
        sites: list[tuple[int, int]],
        clip_ago: list[int],
        radius: float,
        traits: AgencyTraits,
    ) -> None:
        """A starting city: two partnered agencies (the first eligible under every preset, the
        second of any kind), residents with clips, and one request by the first."""
        self.add_agency(partnered=True)
        self.add_agency(partnered=True, traits=traits)
        for i, (gx, gy) in enumerate(sites):
            self.add_resident(gx=gx, gy=gy, encrypted=False)
            self.record_clip(k=i, ago=clip_ago[i], minutes=20)
        # The invariants run once after this whole set-up: judge the request filed last against
        # the city as it stood just before, as a step of its own (a policy may refuse it).
        self._opening_request(radius, RequestKind.CONSENT)
        if not self.model.requests and not self.config.policy.params.consent_requests:
            # A policy that takes no consent requests starts from a warrant instead, so that
            # every history has something for the operator to review from its first step.
            self._opening_request(radius, RequestKind.LEGAL)
        # Under moderation the operator publishes it, so every history starts with a request
        # residents can answer; judged first as it waits (nobody may be notified yet).
        first = next(iter(self.model.requests.values()), None)
        if first is not None and first.state == "review":
            self.guarantee_holds()
            self.approve_consent_request(first)

    def _opening_request(self, radius: float, kind: RequestKind) -> None:
        """The first agency's request over the city, judged as a step of its own: 330 minutes
        ending half an hour ago, or as near as the policy's window and area limits allow. A
        researcher's narrower policy would otherwise refuse it, and every history would start
        with nothing for a resident to answer (a vacuous pass)."""
        p = self.config.policy.params
        minutes = min(max(OPENING_MINUTES, p.min_window_minutes), p.max_window_minutes)
        fitting = [
            r for r in world.VALID_RADII if p.min_area_sq_mi <= _sq_mi(r) <= p.max_area_sq_mi
        ]
        if fitting and radius not in fitting:
            radius = min(fitting, key=lambda r: abs(r - radius))
        self.guarantee_holds()
        self.file_request(
            a=0,
            cx=0,
            cy=0,
            radius=radius,
            ago=math.ceil(minutes / 30) + 1,
            minutes=minutes,
            incident="burglary",
            case=0,
            kind=kind,
        )

    @rule(delta=st.sampled_from([*ADVANCES, "expiry"]), q=PICK, sweep=SOMETIMES)
    def time_passes(self, delta: timedelta | str, q: int, sweep: bool) -> None:
        """An hour, a day, a week, past retention, or to just past one request's expiry (the
        boundary I8 is about). One rule for all of them, so that time does not pass twice as
        often as anything else happens."""
        request: ModelRequest | None = pick(self.requests(), q) if self.requests() else None
        if not isinstance(delta, timedelta):
            now = self.clock.now()
            due = request is not None and request.expires_at > now
            delta = (
                request.expires_at - now + timedelta(minutes=1)
                if request is not None and due
                else timedelta(hours=1)
            )
        self.advance_clock(delta, sweep)

    def advance_clock(self, delta: timedelta, sweep: bool) -> None:
        """Time passes; the platform's background jobs may or may not run (checks must not
        wait for them). The jobs expire requests, release consents past cooling-off, and replay
        a stale release job for every clip of every consent, withdrawn or not, as a queue that
        outlived a withdrawal would: the gate alone must refuse what is no longer consented.
        """
        self.begin("advance clock")
        self.clock.advance(delta)
        self.say(f"time passes: {_duration(delta)}")
        if sweep:
            self.outcome(
                self.driver.run_sweeper(),
                "the platform expires due requests and releases consents past cooling-off",
            )
        if sweep and self.model.consents:
            self.replay_release_jobs(list(self.model.consents.values()))

    # --- hostile use of the gate -------------------------------------------------------------
    @precondition(lambda self: bool(self.model.clips) and bool(self.model.requests))
    @rule(
        c=PICK,
        q=PICK,
        s=st.none() | PICK,
        in_scope=st.booleans(),
        basis=st.sampled_from(list(ReleaseBasis)),
    )
    def ask_the_gate(
        self, c: int, q: int, s: int | None, in_scope: bool, basis: ReleaseBasis
    ) -> None:
        """Anyone may ask the gate for any clip under any consent (or none): it must refuse
        whatever the model does not justify; `in_scope` aims at the consent's own clips. With
        an emergency or legal basis it is a forged exception: the gate asked directly for a
        request no operator approved as an exception (the real path is the operator's
        approval, rules_review.py), which the gate must refuse."""
        self.begin("ask the gate")
        clip: ModelClip = pick(list(self.model.clips.values()), c)
        requests = self.requests()
        unapproved = [r for r in requests if not r.exception_approved]
        if basis is not ReleaseBasis.CONSENT and not unapproved:
            basis = ReleaseBasis.CONSENT  # nothing left to forge an exception for
        if basis is not ReleaseBasis.CONSENT:
            requests = unapproved
        request: ModelRequest = pick(requests, q)
        consents = list(self.model.consents.values())
        consent: ModelConsent | None = pick(consents, s) if consents and s is not None else None
        if basis is not ReleaseBasis.CONSENT:
            consent = None
        if consent is not None and in_scope:
            clip = self.model.clips[pick(sorted(consent.clip_ids, key=str), c)]
            request = self.model.requests[consent.request_id]
        reference = "" if basis is ReleaseBasis.CONSENT else f"{basis.value} reference W-{q}"
        done = self.driver.gate_attempt(
            clip_id=clip.id,
            request_id=request.id,
            basis=basis,
            consent_id=consent.id if consent else None,
            justification=reference,
        )
        if basis is ReleaseBasis.CONSENT:
            text = (
                f"the gate is asked to release clip {clip.label} for request "
                f"{request.label} on consent {consent.label if consent else 'none'}"
            )
        else:
            text = (
                f"the gate is asked directly, bypassing the operator's approval, for a "
                f"{basis.value} release of clip {clip.label} for request {request.label} "
                f"citing {reference!r}"
            )
        self.outcome(done, text)

    @invariant()
    def guarantee_holds(self) -> None:
        after = self.driver.snapshot()
        self.observe_releases(after)
        found = list(self.pending)
        found += check_audit(self.before, after, refused=self.refused, action=self.action)
        found += check_consents_and_notices(self.model, after)
        found += check_request_states(self.model, after, self.clock.now())
        self.before, self.pending, self.refused = after, [], False
        stop = [f for f in found if f.verdict is Verdict.VIOLATION or self.config.strict]
        if stop:
            self.config.note_found()
            raise GuaranteeBroken(stop, self.trace)
