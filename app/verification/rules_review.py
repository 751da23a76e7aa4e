"""The operator's review of requests: approve or reject a moderated consent request, approve an
emergency request or legal demand through the operator's exception step (never the gate
directly), and now and then the wrong step for the kind (which must be refused).

The model predicts what each review must do: a consent request approved reaches, then and only
then, every resident with a camera in its area who has not opted out; an approved exception
releases every retained, unencrypted clip in its scope through the gate (a subpoena discloses
times and digests only), and nothing else.
"""

from __future__ import annotations

from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from app.verification.driver_api import Snapshot
from app.verification.filing import standard_limits
from app.verification.findings import Finding, violation
from app.verification.machine_base import PICK, MachineBase, pick
from app.verification.model import ModelRequest
from app.workflow.records import NonContentDisclosure, Release


class ReviewRules(MachineBase):
    """The operator reviews what waits for it (and, by mistake, what does not)."""

    # Only when something waits: a review of nothing would spend the budget on refusals.
    # Reviews of requests that no longer wait come from `stale`.
    @precondition(lambda self: any(r.state == "review" for r in self.model.requests.values()))
    @rule(
        q=PICK,
        verdict=st.sampled_from(["approve", "approve", "reject"]),
        wrong_step=st.sampled_from([False, False, False, False, True]),
        stale=st.sampled_from([False, False, False, False, True]),
    )
    def operator_reviews(self, q: int, verdict: str, wrong_step: bool, stale: bool) -> None:
        """Approve or reject a request waiting for review; `wrong_step` approves a consent
        request as an exception or the reverse; `stale` reviews any request, waiting or not
        (closed, rejected, answered, past its expiry), which must be refused."""
        self.begin(f"operator {verdict}s")
        now = self.clock.now()
        waiting = [r for r in self.requests() if r.awaiting_review(now)]
        request: ModelRequest = pick(self.requests() if stale or not waiting else waiting, q)
        as_exception = (request.kind != "consent") != wrong_step
        if verdict == "reject":
            self.reject(request)
        elif as_exception:
            self.approve_exception(request)
        else:
            self.approve_consent_request(request)

    def _judge_review(self, request: ModelRequest, ok: bool, valid: bool, what: str) -> None:
        if ok != valid:
            state = "awaiting review" if request.awaiting_review(self.clock.now()) else "not"
            self.flag(
                [
                    violation(
                        "policy" if ok else "conformance",
                        f"{what} {request.label} ({request.kind}, {state}) was "
                        f"{'accepted' if ok else 'refused'}",
                    )
                ]
            )

    def approve_consent_request(self, request: ModelRequest) -> None:
        now = self.clock.now()
        valid = request.awaiting_review(now) and request.kind == "consent"
        recipients = self.model.expected_recipients(request.lat, request.lng, request.radius_m)
        done = self.outcome(
            self.driver.approve_request(request.id),
            f"operator approves request {request.label}"
            + (f" -> {len(recipients)} residents to notify" if valid else ""),
        )
        self._judge_review(request, done.ok, valid, "approving request")
        if not done.ok:
            return
        # Published now, for the policy's full open period; notices go out only now.
        in_area = self.model.residents_in_area(request.lat, request.lng, request.radius_m)
        request.state = "open"
        request.expires_at = self.config.policy.expires_at(now)
        request.recipients = frozenset(recipients)
        request.opted_out_at_filing = frozenset(
            r for r in in_area if self.model.residents[r].opted_out
        )
        request.responses = dict.fromkeys(recipients, "pending")
        self.config.coverage["requests approved"] += 1
        self.config.coverage["residents notified"] += len(recipients)

    def reject(self, request: ModelRequest) -> None:
        valid = request.awaiting_review(self.clock.now())
        done = self.outcome(
            self.driver.reject_request(request.id, "outside the platform's rules"),
            f"operator rejects request {request.label}",
        )
        self._judge_review(request, done.ok, valid, "rejecting request")
        if done.ok:
            request.state = "rejected"

    def approve_exception(self, request: ModelRequest) -> None:
        now = self.clock.now()
        valid = request.awaiting_review(now) and request.kind != "consent"
        reference = f"operator review of {request.label}"
        done = self.outcome(
            self.driver.approve_exception(request.id, reference),
            f"operator approves {request.kind} request {request.label} as an exception",
        )
        if done.ok or standard_limits(self.config.policy):
            # A researcher's own `validate_request` may still refuse at approval time.
            self._judge_review(request, done.ok, valid, "approving the exception of request")
        if not done.ok:
            return
        # Approved, answered, closed: the releases it produced are judged as I2 exceptions.
        request.exception_approved = True
        request.state = "closed"
        request.closed_at = now
        snapshot = self.driver.snapshot()
        self.observe_releases(snapshot)
        self.flag(self.check_exception_answer(request, snapshot))
        self.config.coverage[f"exceptions approved ({request.kind})"] += 1

    def check_exception_answer(self, request: ModelRequest, snapshot: Snapshot) -> list[Finding]:
        """Everything in scope, and only that: content for an emergency or a warrant (never
        end-to-end encrypted), times and digests for a subpoena. A release outside the scope
        is judged as any release is (observe_releases); here what is missing is found."""
        scope = self.model.clips_in_scope(request, self.clock.now())
        released = {r.clip_id for r in snapshot.of(Release) if r.request_id == request.id}
        disclosed = {
            d.clip_id for d in snapshot.of(NonContentDisclosure) if d.request_id == request.id
        }
        if request.legal_process == "subpoena":
            expected_content: set[UUID] = set()
            expected_data = {c.id for c in scope}
        else:
            expected_content = {
                c.id for c in scope if not self.model.cameras[c.camera_id].encrypted
            }
            expected_data = set()
        out = []
        missing = [self.model.label(c) for c in expected_content if c not in released]
        if missing:
            out.append(
                violation(
                    "conformance",
                    f"approved request {request.label} did not release "
                    f"{', '.join(sorted(missing))}, in its scope",
                )
            )
        if disclosed != expected_data:
            out.append(
                violation(
                    "conformance" if disclosed <= expected_data else "I2",
                    f"approved request {request.label} disclosed the times and digests of "
                    f"{sorted(self.model.label(c) for c in disclosed)}; its scope is "
                    f"{sorted(self.model.label(c) for c in expected_data)}",
                )
            )
        return out
