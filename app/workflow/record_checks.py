"""Records against the entries that recorded them (I7): the log is the authority.

The other live checks read the invariants off the records, so a record edited behind the
service's back can pass them all: a consent release turned into a `legal` one with an approver
and a justification, a release moved to another agency, a withdrawal undone together with the
revocations it caused. Here every field an entry recorded must still be what its record says,
and every change the log recorded (a withdrawal, a revocation, a download) must still show on
its record. When a record was made is not compared with when its entry was (each reads the
clock, a few instants apart); a time the entry recorded as data, like a consent's
`release_after`, is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from app.workflow.records import AuditEntry, Consent, FootageRequest, Release
from app.workflow.states import ReleaseBasis
from app.workflow.violations import Violation, violation

BySubject = Mapping[tuple[str, str], Sequence[AuditEntry]]

# A logged change, and what its record must show for it: (action, what, record field).
_RELEASE_CHANGES = (
    ("release.revoked", "a revocation", "revoked_at"),
    ("release.downloaded", "a download", "downloaded_at"),
)
_CONSENT_CHANGES = (("consent.withdrawn", "a withdrawal", "withdrawn_at"),)


def records_against_log(
    by_subject: BySubject,
    releases: Iterable[Release],
    consents: Iterable[Consent],
    requests: Iterable[FootageRequest],
) -> list[Violation]:
    out: list[Violation] = []
    for release in releases:
        created = _only(by_subject, "release.created", release.id)
        fields: dict[str, Any] = {
            "clip_id": str(release.clip_id),
            "request_id": str(release.request_id),
            "agency_id": str(release.agency_id),
            "basis": release.basis.value,
            "consent_id": None if release.consent_id is None else str(release.consent_id),
        }
        out += _fields("release", release.id, created, fields)
        if created is not None and release.basis is not ReleaseBasis.CONSENT:
            # An exception release is approved by the actor who made it (gate.release_clip).
            out += _compare(
                "release", release.id, created, "approved_by", release.approved_by, created.actor
            )
        out += _changes("release", release, by_subject, _RELEASE_CHANGES)
    for consent in consents:
        given = _only(by_subject, "consent.given", consent.id)
        fields = {
            "request_id": str(consent.request_id),
            "notice_id": str(consent.notice_id),
            "clip_ids": sorted(str(c) for c in consent.clip_ids),
            "release_after": consent.release_after,
        }
        out += _fields("consent", consent.id, given, fields)
        notice = _only(by_subject, "notice.sent", consent.notice_id)
        if notice is not None:
            # The resident is the one the consent's notice went to.
            out += _compare(
                "consent",
                consent.id,
                notice,
                "resident_id",
                str(consent.resident_id),
                notice.data.get("resident_id"),
            )
        out += _changes("consent", consent, by_subject, _CONSENT_CHANGES)
    for request in requests:
        filed = _only(by_subject, "request.filed", request.id)
        fields = {"agency_id": str(request.agency_id), "kind": request.kind.value}
        out += _fields("request", request.id, filed, fields)
    return out


def _only(by_subject: BySubject, action: str, subject: object) -> AuditEntry | None:
    """The one entry of `action` about `subject`; none or several is I7's other check."""
    found = by_subject.get((action, str(subject)), ())
    return found[0] if len(found) == 1 else None


def _fields(
    kind: str, subject: object, entry: AuditEntry | None, fields: dict[str, Any]
) -> list[Violation]:
    if entry is None:
        return []
    out: list[Violation] = []
    for name, value in fields.items():
        if name in entry.data:
            out += _compare(kind, subject, entry, name, value, entry.data[name])
    return out


def _compare(
    kind: str, subject: object, entry: AuditEntry, name: str, value: Any, logged: Any
) -> list[Violation]:
    if isinstance(value, datetime) and isinstance(logged, str):
        logged = _time(logged)
    elif isinstance(value, list) and isinstance(logged, list):
        logged = sorted(str(item) for item in logged)
    if value == logged:
        return []
    detail = (
        f"the {kind}'s {name} is {_show(value)} but entry {entry.seq} ({entry.action}) "
        f"recorded {_show(logged)}"
    )
    return [violation("I7", detail, kind, subject, [entry.seq])]


def _changes(
    kind: str,
    record: Release | Consent,
    by_subject: BySubject,
    changes: Sequence[tuple[str, str, str]],
) -> list[Violation]:
    out: list[Violation] = []
    for action, what, field_name in changes:
        logged = by_subject.get((action, str(record.id)), ())
        if logged and getattr(record, field_name) is None:
            detail = (
                f"entry {logged[0].seq} ({action}) records {what} that the {kind} "
                f"does not show ({field_name} is empty)"
            )
            out.append(violation("I7", detail, kind, record.id, [e.seq for e in logged]))
    return out


def _time(text: str) -> datetime | str:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return "none" if value is None else repr(value)
