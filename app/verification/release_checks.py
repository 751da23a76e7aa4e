"""Invariants I1, I2 and I8 on releases, and I6 on notices, judged against the reference model.

Every release that appears must be justified by the model's ground truth (a consent it saw, or
an exception the policy declares and an operator approved); every notice must go to a resident
the model expects to be reached, and only once the request is published.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from app.verification.driver_api import Snapshot
from app.verification.exceptions import declared_exceptions
from app.verification.findings import Finding, Verdict, violation
from app.verification.model import ModelRequest, ReferenceModel
from app.workflow.records import Consent, FootageRequest, Notice, Release
from app.workflow.states import ReleaseBasis


def check_new_releases(
    model: ReferenceModel, after: Snapshot, now: datetime
) -> tuple[list[Finding], list[Release]]:
    """Each release that appeared in this step must be justified by the model's ground truth."""
    out: list[Finding] = []
    new = [r for r in after.of(Release) if r.id not in model.releases]
    declared = declared_exceptions(model.policy)
    for release in new:
        out.extend(_judge_release(model, release, now, declared))
    return out, new


def _judge_release(
    model: ReferenceModel, release: Release, now: datetime, declared: frozenset[ReleaseBasis]
) -> list[Finding]:
    request = model.requests.get(release.request_id)
    clip = model.clips.get(release.clip_id)
    if request is None or clip is None:
        return [violation("I1", "the gate released footage for an unknown request or clip")]
    owner = model.owner_of_clip(clip.id)
    what = (
        f"gate releases clip {clip.label} of resident {model.label(owner)} to agency "
        f"{model.label(release.agency_id)} for request {request.label}"
    )
    out: list[Finding] = []
    if release.agency_id != request.agency_id:
        out.append(
            violation("I3", f"{what}, but the request is agency {model.label(request.agency_id)}'s")
        )
    reasons = []
    camera = model.cameras[clip.camera_id]
    if not (clip.starts_at < request.window_end and clip.ends_at > request.window_start):
        reasons.append("the clip lies outside the request's window")
    if not model.camera_in_area(camera, request):
        reasons.append("the camera lies outside the request's area")
    if now > clip.retained_until:
        out.append(violation("I8", f"{what} past its retention date"))
    if release.basis is ReleaseBasis.CONSENT:
        reasons.extend(_consent_gaps(model, release, owner, now))
        out.extend(violation("I1", f"{what}: {reason}") for reason in reasons)
        return out
    # Without consent: only a declared exception, justified, approved, of unencrypted footage.
    gaps = list(reasons)
    if release.basis not in declared:
        gaps.append(f"the policy declares no {release.basis.value} exception")
    if not release.justification.strip():
        gaps.append("it carries no justification or legal reference")
    if not release.approved_by or not request.exception_approved:
        gaps.append("no operator approved the request as an exception")
    if release.basis is ReleaseBasis.EMERGENCY and request.kind != "emergency":
        gaps.append(f"the request is a {request.kind} request, not an emergency")
    if release.basis is ReleaseBasis.LEGAL and request.legal_process != "warrant":
        gaps.append("only a warrant obtains content (the request is no warrant)")
    if camera.encrypted:
        gaps.append("the footage is end-to-end encrypted")
    if release.resident_told_at is None and _resident_must_be_told(model, release, request):
        gaps.append("the resident was not told, though the policy says they are")
    if release.resident_told_at is not None and request.nondisclosure_order:
        out.append(violation("conformance", f"{what}: the resident was told despite a court order"))
    if gaps:
        out.append(
            violation("I2", f"{what} without consent ({release.basis.value}): " + "; ".join(gaps))
        )
    else:
        out.append(
            Finding(
                "I2",
                Verdict.DECLARED_EXCEPTION,
                f"{what} without consent, under the declared {release.basis.value} exception "
                f"({release.justification})",
            )
        )
    return out


def _resident_must_be_told(model: ReferenceModel, release: Release, request: ModelRequest) -> bool:
    """I2: whether the policy's parameters say the resident is told of this release."""
    p = model.policy.params
    if release.basis is ReleaseBasis.EMERGENCY:
        return p.tell_resident_after_emergency
    return p.tell_resident_of_legal_process and not request.nondisclosure_order


def _consent_gaps(model: ReferenceModel, release: Release, owner: UUID, now: datetime) -> list[str]:
    consent = model.consents.get(release.consent_id) if release.consent_id else None
    if consent is None:
        return ["without consent"]
    gaps = []
    if consent.resident_id != owner:
        gaps.append(f"on consent {consent.label}, given by someone else")
    if consent.request_id != release.request_id:
        gaps.append(f"on consent {consent.label}, given for another request")
    if release.clip_id not in consent.clip_ids:
        gaps.append(f"on consent {consent.label}, whose scope does not name the clip")
    if consent.withdrawn_step is not None:
        gaps.append(f"after consent {consent.label} was withdrawn (step {consent.withdrawn_step})")
    if now < consent.given_at + model.cooling_off():
        gaps.append("before the cooling-off period ended")
    return gaps


def check_consents_and_notices(model: ReferenceModel, after: Snapshot) -> list[Finding]:
    out: list[Finding] = []
    for consent in after.of(Consent):
        if consent.id not in model.consents:
            out.append(violation("I1", "a consent exists that no resident gave"))
    notified: dict[UUID, set[UUID]] = {}
    for notice in after.of(Notice):
        notified.setdefault(notice.request_id, set()).add(notice.resident_id)
    for request in model.requests.values():
        got = notified.get(request.id, set())
        for resident_id in sorted(got - request.recipients, key=str):
            label = model.label(resident_id)
            if request.kind != "consent":
                out.append(
                    violation(
                        "policy",
                        f"resident {label} was notified of {request.kind} request "
                        f"{request.label}, which goes to the operator only",
                    )
                )
            elif request.state in ("review", "rejected") or (
                request.state == "closed" and not request.recipients
            ):
                out.append(
                    violation(
                        "policy",
                        f"resident {label} was notified of request {request.label}, which the "
                        "operator had not approved (moderation)",
                    )
                )
            elif resident_id in request.opted_out_at_filing:
                out.append(
                    violation(
                        "I6",
                        f"resident {label}, who opted out, was notified of request {request.label}",
                    )
                )
            else:
                out.append(
                    violation(
                        "I6",
                        f"resident {label} was notified of request "
                        f"{request.label} without a camera in its area",
                    )
                )
        missing = request.recipients - got
        if missing:
            labels = ", ".join(sorted(model.label(r) for r in missing))
            out.append(
                violation(
                    "conformance",
                    f"request {request.label} never reached {labels}, who have cameras in its area",
                )
            )
    return out


# The stored status each model state allows (an open or waiting request may also have expired).
STATUSES = {
    "review": {"pending_review", "expired"},
    "open": {"open", "expired"},
    "rejected": {"rejected"},
    "closed": {"closed"},
}


def check_request_states(model: ReferenceModel, after: Snapshot, now: datetime) -> list[Finding]:
    """Each stored request is where the model says: waiting for review until an operator
    approves it, published only then, closed once answered or closed by its agency."""
    out = []
    for stored in after.of(FootageRequest):
        request = model.requests.get(stored.id)
        if request is None:
            out.append(violation("conformance", "a request exists that no agency filed"))
            continue
        status = stored.effective_status(now).value
        if status not in STATUSES[request.state]:
            out.append(
                violation(
                    "policy" if request.state == "review" else "conformance",
                    f"request {request.label} is {status}; the model has it "
                    + {"review": "waiting for review"}.get(request.state, request.state),
                )
            )
    return out
