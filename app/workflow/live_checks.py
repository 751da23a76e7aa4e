"""Invariants an auditor can read off the database: I1, I2, I3, I6, I7, I8 of DESIGN.md.

Each check lists every violation with the audit entries that show it, so an auditor can go
from a finding to the log and back. Records are cross-checked against the log both ways: a
release without its `release.created` entry, or an entry whose record is gone, is an I7
violation (every state change appends exactly one entry), and so is a record that no longer
says what its entries recorded (`record_checks.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from app.workflow import audit
from app.workflow.area import camera_in_area, clip_in_window
from app.workflow.audit import ChainCheck
from app.workflow.context import Ctx
from app.workflow.log_scan import KeptLog, LogScan
from app.workflow.merkle import NodeKey
from app.workflow.record_checks import records_against_log
from app.workflow.records import (
    Camera,
    Clip,
    Consent,
    FootageRequest,
    Notice,
    Release,
)
from app.workflow.states import ReleaseBasis
from app.workflow.violations import Violation
from app.workflow.violations import violation as _v

INVARIANTS = {
    "I1": "every consent-based release has a valid consent by the clip's owner",
    "I2": "a release without consent is a declared, justified, approved exception",
    "I3": "an agency obtains content only for a clip released to it",
    "I6": "a resident who opted out receives no new notices",
    "I7": "every state change has exactly one audit entry and the log verifies",
    "I8": "no consent for an expired or closed request; no release past retention",
}


@dataclass
class LiveReport:
    chain: ChainCheck
    merkle_ok: bool
    root: bytes
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.merkle_ok and not self.violations

    def by_invariant(self) -> dict[str, list[Violation]]:
        out: dict[str, list[Violation]] = {name: [] for name in INVARIANTS}
        for v in self.violations:
            out[v.invariant].append(v)
        return out


def check_live(ctx: Ctx) -> LiveReport:
    # Consents first: the notices they answer are the ones whose entries the scan keeps whole.
    consents = {c.id: c for c in ctx.store.find(Consent)}
    # The log, read once a page at a time (log_scan.py).
    scan = LogScan(ctx, wanted={str(c.notice_id) for c in consents.values()})
    chain, tree, log = scan.chain.result(), scan.tree, scan.log
    stored_root = audit.root_at(ctx, chain.size)
    merkle_ok = tree.leaves_ok and tree.root() == stored_root
    # With the entries and the root right, a bad stored subtree is the tree's own damage.
    subtrees = _bad_subtrees(tree.bad_nodes) if merkle_ok else []
    report = LiveReport(chain, merkle_ok and not subtrees, stored_root, subtrees)
    report.violations[:0] = _log_damage(chain, merkle_ok, tree.first_bad_leaf)
    releases = ctx.store.find(Release)
    requests = {r.id: r for r in ctx.store.find(FootageRequest)}
    report.violations.extend(_log_matches_records(ctx, log, releases, consents, requests))
    report.violations.extend(
        records_against_log(log.by_subject, releases, consents.values(), requests.values())
    )
    for release in releases:
        report.violations.extend(_release_checks(ctx, log, release, consents, requests))
    report.violations.extend(_downloads(log, {r.id: r for r in releases}))
    report.violations.extend(_opt_out(log))
    for consent in consents.values():
        report.violations.extend(_consent_time(log, consent, requests.get(consent.request_id)))
    return report


def _log_damage(chain: ChainCheck, merkle_ok: bool, bad_leaf: int | None) -> list[Violation]:
    """I7's second half, "the log verifies", as violations of I7: the report's `ok` already
    counted a broken chain or root, but I7 itself said it held, and the auditor's page showed
    "yes" beside "Broken at entry 5".

    One finding per fault: where the chain breaks, an entry changed, and the root then fails
    because of that entry, not because of the stored tree (a second violation blamed the
    tree). With the chain intact, an entry's stored leaf hash that does not match it is named;
    otherwise the root is."""
    if not chain.ok and chain.first_bad_seq is not None:
        detail = f"the hash chain breaks at entry {chain.first_bad_seq}: {chain.reason}"
        return [_v("I7", detail, "audit_entry", chain.first_bad_seq, (chain.first_bad_seq,))]
    if not chain.ok:
        return [_v("I7", f"the hash chain does not verify: {chain.reason}", "audit_log", "")]
    if merkle_ok:
        return []
    if bad_leaf is not None:
        detail = (
            f"entry {bad_leaf}'s stored Merkle leaf hash does not match the entry (the hash "
            "chain verifies): checkpoints and proofs served from the tree will not verify"
        )
        return [_v("I7", detail, "merkle_leaf", bad_leaf, (bad_leaf,))]
    detail = (
        f"the stored Merkle tree does not match the {chain.size} entries: checkpoints "
        "and proofs served from it will not verify"
    )
    return [_v("I7", detail, "merkle_root", chain.size)]


def _bad_subtrees(keys: list[NodeKey]) -> list[Violation]:
    """Stored subtrees the entries do not produce. The root can still be right (it is made of
    the largest subtrees only), but every proof served from a wrong one fails to verify."""
    out = []
    for level, index in sorted(keys):
        first, last = index << level, ((index + 1) << level) - 1
        detail = (
            f"the stored Merkle subtree at level {level}, index {index} does not match "
            f"entries {first} to {last}: proofs that use it will not verify"
        )
        out.append(_v("I7", detail, "merkle_subtree", f"{level}/{index}", (first, last)))
    return out


def _log_matches_records(
    ctx: Ctx,
    log: KeptLog,
    releases: list[Release],
    consents: dict[UUID, Consent],
    requests: dict[UUID, FootageRequest],
) -> list[Violation]:
    out: list[Violation] = []
    expected: list[tuple[str, str, object]] = [
        ("release.created", "release", r.id) for r in releases
    ]
    expected += [("release.downloaded", "release", r.id) for r in releases if r.downloaded_at]
    expected += [("release.revoked", "release", r.id) for r in releases if r.revoked_at]
    expected += [("consent.given", "consent", c.id) for c in consents.values()]
    expected += [
        ("consent.withdrawn", "consent", c.id) for c in consents.values() if c.withdrawn_at
    ]
    expected += [("request.filed", "request", r.id) for r in requests.values()]
    expected += [("notice.sent", "notice", n) for n in ctx.store.ids(Notice)]
    for action, kind, subject in expected:
        seqs = log.seqs(action, subject)
        if len(seqs) != 1:
            what = "no" if not seqs else f"{len(seqs)}"
            out.append(_v("I7", f"{what} {action} entries for this {kind}", kind, subject, seqs))
    stored = {
        "release": {str(r.id) for r in releases},
        "consent": {str(c) for c in consents},
        "request": {str(r) for r in requests},
    }
    for entry in log.entries:
        ids = stored.get(entry.subject_type)
        if ids is not None and entry.subject_id not in ids:
            out.append(
                _v(
                    "I7",
                    f"entry {entry.seq} ({entry.action}) names a {entry.subject_type} that is "
                    "not in the database",
                    entry.subject_type,
                    entry.subject_id,
                    [entry.seq],
                )
            )
    return out


def _release_checks(
    ctx: Ctx,
    log: KeptLog,
    release: Release,
    consents: dict[UUID, Consent],
    requests: dict[UUID, FootageRequest],
) -> list[Violation]:
    seqs = list(log.seqs("release.created", release.id))
    clip = ctx.store.get(Clip, release.clip_id)
    request = requests.get(release.request_id)
    camera = ctx.store.get(Camera, clip.camera_id) if clip else None
    if clip is None or request is None or camera is None:
        return [
            _v(
                "I1",
                "the release's clip, camera or request is missing",
                "release",
                release.id,
                seqs,
            )
        ]
    out: list[Violation] = []
    if release.released_at > clip.retained_until:
        out.append(
            _v("I8", "released after the clip's retention date", "release", release.id, seqs)
        )
    if release.basis is ReleaseBasis.CONSENT:
        out.extend(_consent_release(log, release, clip, camera, request, consents, seqs))
    else:
        out.extend(_exception_release(log, release, clip, camera, seqs))
    return out


def _consent_release(
    log: KeptLog,
    release: Release,
    clip: Clip,
    camera: Camera,
    request: FootageRequest,
    consents: dict[UUID, Consent],
    seqs: list[int],
) -> list[Violation]:
    consent = consents.get(release.consent_id) if release.consent_id else None
    if consent is None:
        return [_v("I1", "a consent-based release without a consent", "release", release.id, seqs)]
    seqs = seqs + list(log.seqs("consent.given", consent.id))
    problems = []
    if consent.resident_id != camera.resident_id:
        problems.append("the consent is not by the clip's owner")
    if consent.request_id != release.request_id:
        problems.append("the consent is for another request")
    if release.clip_id not in consent.clip_ids:
        problems.append("the consent's scope does not name the clip")
    if consent.given_at > release.released_at:
        problems.append("released before the consent was given")
    if _withdrawn_before(log, consent, release):
        seqs += list(log.seqs("consent.withdrawn", consent.id))
        problems.append("released after the consent was withdrawn")
    if not (
        request.filed_at <= consent.given_at < request.expires_at
        and (request.closed_at is None or consent.given_at < request.closed_at)
    ):
        problems.append("the request was not open when the consent was given")
    if not clip_in_window(clip, request.window_start, request.window_end):
        problems.append("the clip is outside the request's window")
    if not camera_in_area(camera, request):
        problems.append("the clip's camera is outside the request's area")
    return [_v("I1", p, "release", release.id, seqs) for p in problems]


def _withdrawn_before(log: KeptLog, consent: Consent, release: Release) -> bool:
    """Whether the consent was withdrawn before the release. At the same instant (a clock
    that did not move between the two calls) the log's order tells: a withdrawal logged after
    the release is a later withdrawal, not a release the gate should have refused."""
    if consent.withdrawn_at is None or consent.withdrawn_at > release.released_at:
        return False
    if consent.withdrawn_at < release.released_at:
        return True
    withdrawn = log.seqs("consent.withdrawn", consent.id)
    released = log.seqs("release.created", release.id)
    return not withdrawn or not released or min(withdrawn) < min(released)


def _exception_release(
    log: KeptLog, release: Release, clip: Clip, camera: Camera, seqs: list[int]
) -> list[Violation]:
    basis = release.basis.value
    problems = []
    decided = log.allowed_releases.get(str(release.id), [])
    seqs = seqs + decided
    if not decided:
        problems.append(f"no logged policy decision allowed this {basis} release")
    if not release.justification.strip():
        problems.append(f"the {basis} release carries no justification or legal reference")
    if not release.approved_by.strip():
        problems.append(f"the {basis} release names no approving operator")
    if clip.encrypted or camera.end_to_end_encrypted:
        problems.append("end-to-end encrypted footage was released")
    # The policy in force at the release said whether the resident is told (its audit entry
    # records it); where it did, the release must record when they were.
    created = log.by_subject.get(("release.created", str(release.id)), [])
    if any(e.data.get("resident_told") for e in created) and release.resident_told_at is None:
        seqs = seqs + [e.seq for e in created]
        problems.append(f"the policy tells the resident of a {basis} release; nobody was told")
    return [_v("I2", p, "release", release.id, seqs) for p in problems]


def _downloads(log: KeptLog, releases: dict[UUID, Release]) -> list[Violation]:
    out = []
    for entry in log.entries:
        if entry.action != "release.downloaded":
            continue
        release_id = _uuid(entry.subject_id)
        release = releases.get(release_id) if release_id else None
        if release is None:
            out.append(
                _v(
                    "I3",
                    "content left for a release that does not exist",
                    "release",
                    entry.subject_id,
                    [entry.seq],
                )
            )
            continue
        seqs = [entry.seq, *log.seqs("release.created", release.id)]
        if entry.actor != f"agency:{release.agency_id}":
            out.append(
                _v(
                    "I3",
                    f"{entry.actor} obtained a clip released to another agency",
                    "release",
                    release.id,
                    seqs,
                )
            )
        if release.revoked_at is not None and entry.at >= release.revoked_at:
            out.append(
                _v(
                    "I3",
                    "content left after the release was revoked",
                    "release",
                    release.id,
                    seqs + list(log.seqs("release.revoked", release.id)),
                )
            )
    return out


def _opt_out(log: KeptLog) -> list[Violation]:
    """A notice to a resident who had opted out breaks I6 (replayed in log order by the scan)."""
    return [
        _v(
            "I6",
            "a notice went to a resident who had opted out",
            "notice",
            notice,
            [opted_out, sent],
        )
        for notice, opted_out, sent in log.notices_to_opted_out
    ]


def _consent_time(
    log: KeptLog, consent: Consent, request: FootageRequest | None
) -> list[Violation]:
    seqs = log.seqs("consent.given", consent.id)
    if request is None:
        return [
            _v("I8", "a consent for a request that does not exist", "consent", consent.id, seqs)
        ]
    if consent.given_at >= request.expires_at:
        return [_v("I8", "consent accepted after the request expired", "consent", consent.id, seqs)]
    if request.closed_at is not None and consent.given_at >= request.closed_at:
        seqs += log.seqs("request.closed", request.id)
        return [
            _v("I8", "consent accepted after the request was closed", "consent", consent.id, seqs)
        ]
    return []


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
