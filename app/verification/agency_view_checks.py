"""What an agency reads, judged: I3 (content only for its own releases), I4 (nothing names or
locates a resident; counts suppressed), I5 (the map shows no small cell and answers the same)."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from uuid import UUID

from app.policies.params import IdentityOnShare, MapMode, ResponseStats
from app.verification.driver_api import AgencyRead, Snapshot
from app.verification.findings import Finding, violation
from app.verification.model import ReferenceModel
from app.workflow.records import Release

NUMBER = re.compile(r"-?\d+\.\d+")
# About 5 m in latitude: closer than any map cell, so a number this near a camera locates it.
COORDINATE_TOLERANCE = 5e-5
PSEUDONYM = re.compile(r"^Neighbor #(\d+)$")


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
