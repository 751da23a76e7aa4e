"""The invariants I1-I8, checked against the reference model (DESIGN.md, "Invariants").

Every check compares what the service stored or showed with what the model says must be; none
asks the service whether it behaved. Each returns findings; an empty list means it held.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from app.policies.params import IdentityOnShare, MapMode, ResponseStats
from app.verification.drivers import RECORD_KINDS, AgencyRead, Snapshot
from app.verification.exceptions import declared_exceptions
from app.verification.findings import Finding, Verdict
from app.verification.model import ReferenceModel
from app.workflow.records import AuditEntry, Consent, Notice, Release
from app.workflow.states import ReleaseBasis

GENESIS = "0" * 64
NUMBER = re.compile(r"-?\d+\.\d+")
# About 5 m in latitude: closer than any map cell, so a number this near a camera locates it.
COORDINATE_TOLERANCE = 5e-5
# Kinds whose creation the log must record with exactly one entry naming the record.
LOGGED_KINDS = RECORD_KINDS
PSEUDONYM = re.compile(r"^Neighbor #(\d+)$")


def violation(invariant: str, message: str) -> Finding:
    return Finding(invariant, Verdict.VIOLATION, message)


# --- I7: the audit log ---------------------------------------------------------------------
def _canonical(entry: AuditEntry) -> bytes:
    body = {
        "seq": entry.seq,
        "id": str(entry.id),
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "data": entry.data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_breaks(entries: list[AuditEntry]) -> str | None:
    """Recompute the hash chain from the specification (docs/architecture.md, "Audit log")."""
    prev = GENESIS
    for expected, entry in enumerate(entries):
        if entry.seq != expected:
            return f"entry {expected} is missing or moved"
        if entry.prev_hash != prev:
            return f"entry {entry.seq} does not link to its predecessor"
        digest = hashlib.sha256(bytes.fromhex(prev) + _canonical(entry)).hexdigest()
        if digest != entry.entry_hash:
            return f"entry {entry.seq} does not hash to its stored hash"
        prev = entry.entry_hash
    return None


def check_audit(before: Snapshot, after: Snapshot, *, refused: bool, action: str) -> list[Finding]:
    out: list[Finding] = []
    broken = chain_breaks(after.audit)
    if broken:
        out.append(violation("I7", f"the audit log does not verify: {broken}"))
    if after.audit[: len(before.audit)] != before.audit:
        out.append(violation("I7", "an earlier audit entry changed or disappeared"))
    # An entry for a no-op (the same partnership status set twice) over-reports; it breaks
    # nothing the log is for, so only a change without an entry is flagged.
    changed = _state(after) != _state(before)
    # Decision records (a refusal is logged as one, after its rollback) are not state changes.
    grew = any(not e.action.startswith("decision.") for e in after.audit[len(before.audit) :])
    if refused and (after.records != before.records or grew):
        out.append(violation("I7", f"the refused call ({action}) wrote state or log entries"))
    elif changed and not grew:
        out.append(violation("I7", f"{action} changed state without an audit entry"))
    subjects: dict[str, int] = {}
    for entry in after.audit[len(before.audit) :]:
        subjects[entry.subject_id] = subjects.get(entry.subject_id, 0) + 1
    old_ids = {r.id for kind in LOGGED_KINDS for r in before.records.get(kind, [])}
    for kind in LOGGED_KINDS:
        for record in after.records.get(kind, []):
            if record.id not in old_ids and subjects.get(str(record.id), 0) < 1:
                out.append(violation("I7", f"a new {kind.__name__} was stored with no audit entry"))
    return out


def _state(snapshot: Snapshot) -> dict[type[Any], list[Any]]:
    """The records, less the gate's own bookkeeping flag (which clips are still to release)."""
    out = dict(snapshot.records)
    out[Consent] = [replace(c, release_pending=False) for c in snapshot.of(Consent)]
    return out


# --- I1, I2, I3, I8: releases ----------------------------------------------------------------
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
    if not release.approved_by:
        gaps.append("no operator approved it")
    if camera.encrypted:
        gaps.append("the footage is end-to-end encrypted")
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
            if resident_id in request.opted_out_at_filing:
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


# --- what an agency reads: I3, I4, I5 --------------------------------------------------------
def agency_secrets(model: ReferenceModel) -> set[str]:
    """Strings that must never reach an agency: who residents are, their cameras, their ids."""
    secrets: set[str] = set()
    disclose = model.policy.params.identity_on_share is IdentityOnShare.CONTACT
    for resident in model.residents.values():
        secrets.add(str(resident.id))
        if not disclose:
            secrets |= {resident.name, resident.contact}
    for camera in model.cameras.values():
        secrets.add(str(camera.id))
    for clip in model.clips.values():
        secrets.add(str(clip.id))  # a clip id would link one camera across requests
    for consent in model.consents.values():
        secrets.add(str(consent.id))
    return secrets


def scan_for_leaks(model: ReferenceModel, read: AgencyRead, what: str) -> list[Finding]:
    text = read.text + read.content.decode("latin-1")
    out = []
    leaked = sorted(s for s in agency_secrets(model) if s in text)
    if leaked:
        out.append(violation("I4", f"{what} carries resident or camera data: {leaked[:3]}"))
    coordinates = [(c.label, v) for c in model.cameras.values() for v in (c.lat, c.lng)]
    located = sorted(
        {
            label
            for number in {float(n) for n in NUMBER.findall(read.text)}
            for label, v in coordinates
            if abs(number - v) < COORDINATE_TOLERANCE
        }
    )
    if located:
        out.append(
            violation(
                "I4", f"{what}: the answer carries a coordinate of camera {' or '.join(located)}"
            )
        )
    return out


def check_map(
    model: ReferenceModel, agency_id: UUID, first: AgencyRead, second: AgencyRead
) -> list[Finding]:
    if not first.ok:
        return []
    out = []
    if first.body != second.body:
        out.append(violation("I5", "the same map query in the same period answered differently"))
    k = model.policy.params.map_k
    truth = model.map_counts(model.agencies[agency_id])
    shown = {c["cell"]: c["count"] for c in first.body["cells"]}
    mode = model.policy.params.map_mode
    if mode is MapMode.NONE:
        if any(count is not None for count in shown.values()):
            out.append(violation("I5", "the map shows counts where the policy has no map"))
        return out
    if mode is MapMode.NOISY:
        # Noisy counts are not the true ones; what must hold is that no cell holding fewer
        # than k cameras shows a figure at all, and that a shown figure is not below k.
        for cell, count in shown.items():
            if count is not None and (count < k or truth.get(cell, 0) < k):
                out.append(
                    violation(
                        "I5",
                        f"the noisy map shows {count} for a cell holding {truth.get(cell, 0)} "
                        f"cameras, below k={k}",
                    )
                )
        return out
    for cell, count in shown.items():
        if count is not None and count < k:
            out.append(violation("I5", f"the map shows a cell with {count} cameras, below k={k}"))
        elif count is not None and count != truth.get(cell):
            out.append(
                violation(
                    "conformance",
                    f"the map shows {count} cameras in a cell that holds {truth.get(cell, 0)}",
                )
            )
        elif count is None and truth.get(cell, 0) >= k:
            out.append(violation("conformance", "the map hides a cell that holds k or more"))
    if set(shown) != set(truth):
        out.append(violation("conformance", "the map's cells differ from the cameras' cells"))
    return out


def check_counts(model: ReferenceModel, request_id: UUID, shown: Any) -> list[Finding]:
    """Declining and ignoring look the same; counts below the threshold are blank (I4)."""
    request = model.requests.get(request_id)
    if request is None:
        return [violation("I3", "an agency read a request that does not exist")]
    mode = model.policy.params.response_stats
    if mode is ResponseStats.NONE:
        return [] if shown is None else [violation("I4", "response counts shown under 'none'")]
    if shown is None:
        return []
    out = []
    if set(shown) - {"notified", "shared", "not_shared"}:
        out.append(violation("I4", f"response counts tell declining from ignoring: {shown}"))
    truth = model.response_counts(request)
    k = model.policy.params.stats_k
    for key, value in shown.items():
        if value is None:
            continue
        if mode is ResponseStats.SUPPRESSED and value < k:
            out.append(violation("I4", f"request {request.label} shows {key}={value}, below k={k}"))
        elif key in truth and value != truth[key]:
            out.append(
                violation(
                    "conformance",
                    f"request {request.label} shows {key}={value}; the truth is {truth[key]}",
                )
            )
    return out


def check_footage_list(
    model: ReferenceModel, snapshot: Snapshot, agency_id: UUID, request_id: UUID, body: Any
) -> list[Finding]:
    out = []
    releases = {r.id: r for r in snapshot.of(Release)}
    owners_by_label: dict[str, UUID] = {}
    for item in body["data"]:
        release = releases.get(UUID(str(item["release_id"])))
        if release is None:
            out.append(violation("I3", "the footage list shows a release that does not exist"))
            continue
        request = model.requests.get(release.request_id)
        if request is None or request.agency_id != agency_id or request.id != request_id:
            out.append(
                violation(
                    "I3",
                    f"agency {model.label(agency_id)} is shown a release "
                    "of another agency or request",
                )
            )
            continue
        if model.release_revoked(release.id, release.consent_id):
            out.append(violation("I3", "the footage list shows a release revoked by withdrawal"))
        clip = model.clips[release.clip_id]
        if item.get("digest") != clip.digest:
            out.append(violation("I3", f"the footage list describes clip {clip.label} wrongly"))
        out.extend(
            _label_check(model, release, str(item.get("neighbor_label", "")), owners_by_label)
        )
    return out


def _label_check(
    model: ReferenceModel, release: Release, label: str, owners_by_label: dict[str, UUID]
) -> list[Finding]:
    """A label may only tell residents apart within one request (no cross-request linking)."""
    mode = model.policy.params.identity_on_share
    if mode is IdentityOnShare.CONTACT or not label:
        return []
    owner = model.owner_of_clip(release.clip_id)
    if mode is IdentityOnShare.NONE:
        return [violation("I4", f"an anonymous policy labels footage {label!r}")]
    match = PSEUDONYM.match(label)
    request = model.requests[release.request_id]
    sharers = {c.resident_id for c in model.consents.values() if c.request_id == request.id}
    if match is None or int(match.group(1)) > len(sharers):
        return [violation("I4", f"the label {label!r} is not a per-request pseudonym")]
    if owners_by_label.setdefault(label, owner) != owner:
        return [violation("I4", f"two residents share the label {label!r}")]
    return []


def check_download(
    model: ReferenceModel, snapshot: Snapshot, agency_id: UUID, release_id: UUID, read: AgencyRead
) -> list[Finding]:
    """Content only for a clip released to this agency, still accessible (I3)."""
    release = next((r for r in snapshot.of(Release) if r.id == release_id), None)
    who = f"agency {model.label(agency_id)}"
    if not read.ok:
        if (
            release is not None
            and model.partnered(agency_id)
            and model.requests[release.request_id].agency_id == agency_id
            and not model.release_revoked(release.id, release.consent_id)
        ):
            return [
                violation(
                    "conformance", f"{who} was refused its own release {model.label(release_id)}"
                )
            ]
        return []
    if release is None:
        return [violation("I3", f"{who} downloaded content for an id that is no release")]
    request = model.requests.get(release.request_id)
    clip = model.clips.get(release.clip_id)
    if request is None or clip is None or request.agency_id != agency_id:
        owner = request.agency_id if request else None
        return [
            violation(
                "I3",
                f"{who} downloaded release {model.label(release_id)}, "
                f"which was released to agency {model.label(owner)}",
            )
        ]
    out = []
    if not model.partnered(agency_id):
        out.append(violation("I3", f"{who} downloaded footage without an active partnership"))
    if model.release_revoked(release.id, release.consent_id):
        out.append(
            violation(
                "I3",
                f"{who} downloaded release {model.label(release_id)} "
                "after its consent was withdrawn",
            )
        )
    if hashlib.sha256(read.content).hexdigest() != clip.digest:
        out.append(violation("I3", f"{who} received bytes that are not clip {clip.label}"))
    return out
