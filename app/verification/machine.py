"""The stateful property machine: every action of every role, hostile ones included.

Each rule performs one action through a `Driver`, tells the reference model what it did, and
judges the answer; the invariant after every step compares the stored state with the model
(audit_checks.py, release_checks.py, agency_view_checks.py). A broken invariant raises
`GuaranteeBroken` with the numbered trace, which hypothesis then shrinks to the shortest
history that still breaks it.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from app.verification import world
from app.verification.agency_reads import AgencyReads
from app.verification.audit_checks import check_audit
from app.verification.findings import GuaranteeBroken, Verdict, violation
from app.verification.machine_base import PICK, pick
from app.verification.model import (
    ModelAgency,
    ModelCamera,
    ModelClip,
    ModelConsent,
    ModelRequest,
    ModelResident,
)
from app.verification.release_checks import check_consents_and_notices
from app.verification.rules_resident import ResidentRules
from app.workflow.requests import RequestDraft
from app.workflow.states import PartnershipStatus, ReleaseBasis, RequestKind

# A small city keeps each step cheap and leaves the budget to the actions that matter.
MAX_AGENCIES, MAX_RESIDENTS, MAX_CLIPS = 3, 8, 16
# The platform's background jobs run on one step in three: often enough to release and expire,
# rarely enough that the checks that must not wait for them (I8) are reached without them.
SOMETIMES = st.sampled_from([False, True, False])
ADVANCES = (timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=61))


def _duration(delta: timedelta) -> str:
    hours, rest = divmod(delta.seconds, 3600)
    text = f"{delta.days} days " if delta.days else ""
    return text + (f"{hours} h {rest // 60} min" if delta.seconds else "")


class ConsentMachine(ResidentRules, AgencyReads):
    """Every rule of the operator, the agency and the platform; residents in ResidentRules."""

    # --- the operator ---------------------------------------------------------------------
    @initialize(
        sites=st.lists(st.tuples(st.integers(-4, 4), st.integers(-4, 4)), min_size=2, max_size=5),
        clip_ago=st.lists(st.integers(2, 10), min_size=5, max_size=5),
        radius=st.sampled_from(world.VALID_RADII),
    )
    def city(self, sites: list[tuple[int, int]], clip_ago: list[int], radius: float) -> None:
        """A starting city: two partnered agencies, residents with clips, one open request."""
        self.add_agency(partnered=True)
        self.add_agency(partnered=True)
        for i, (gx, gy) in enumerate(sites):
            self.add_resident(gx=gx, gy=gy, encrypted=False)
            self.record_clip(k=i, ago=clip_ago[i], minutes=20)
        # The invariants run once after this whole set-up: judge the request filed last against
        # the city as it stood just before, as a step of its own (a policy may refuse it).
        self.guarantee_holds()
        self.file_request(
            a=0,
            cx=0,
            cy=0,
            radius=radius,
            ago=12,
            minutes=330,
            incident="burglary",
            case=0,
            kind=RequestKind.CONSENT,
        )

    @rule(
        what=st.sampled_from(["resident", "clip", "clip", "camera", "agency", "partnership"]),
        i=PICK,
        gx=st.integers(-4, 4),
        gy=st.integers(-4, 4),
        yes=st.booleans(),
        status=st.sampled_from(list(PartnershipStatus)),
        ago=st.integers(2, 10),
        minutes=st.sampled_from([5, 20, 60]),
    )
    def operator_acts(
        self,
        what: str,
        i: int,
        gx: int,
        gy: int,
        yes: bool,
        status: PartnershipStatus,
        ago: int,
        minutes: int,
    ) -> None:
        """The operator registers a resident (with a camera, end-to-end encrypted if `yes`),
        a camera, a clip, an agency (partnered if `yes`), or changes a partnership. The city
        stays small so each step is cheap and the budget goes to the actions that matter."""
        if what == "agency" and len(self.model.agencies) < MAX_AGENCIES:
            self.add_agency(partnered=yes)
        elif what == "partnership":
            self.change_partnership(i, status)
        elif what == "camera" and len(self.model.cameras) < MAX_RESIDENTS + 2:
            self.add_camera(i, gx, gy)
        elif what == "clip" and len(self.model.clips) < MAX_CLIPS:
            self.record_clip(i, ago, minutes)
        elif len(self.model.residents) < MAX_RESIDENTS:
            self.add_resident(gx, gy, encrypted=yes)
        else:
            self.record_clip(i, ago, minutes)

    def add_agency(self, partnered: bool) -> None:
        self.begin("create agency")
        label = self.model.next_label("A", self.model.agencies)
        done = self.driver.create_agency(
            name=f"Agency {label}",
            lat=world.CITY[0],
            lng=world.CITY[1],
            radius_m=world.JURISDICTION_M,
        )
        assert done.value is not None, done
        agency = ModelAgency(label, done.value, *world.CITY, world.JURISDICTION_M, None)
        self.model.agencies[agency.id] = agency
        if partnered:
            self.driver.set_partnership(
                agency.id, PartnershipStatus.ACTIVE, self.clock.now() - timedelta(days=1)
            )
            agency.partnership = "active"
        self.outcome(
            done,
            f"operator creates agency {label}"
            + (" with an active partnership" if partnered else ""),
        )

    def change_partnership(self, a: int, status: PartnershipStatus) -> None:
        self.begin("change partnership")
        agency: ModelAgency = pick(self.agencies(), a)
        done = self.driver.set_partnership(agency.id, status, self.clock.now() - timedelta(days=1))
        self.outcome(done, f"operator sets agency {agency.label}'s partnership to {status}")
        if done.ok:
            if agency.partnership == "ended" and status is not PartnershipStatus.ENDED:
                self.flag([violation("conformance", "an ended partnership came back")])
            agency.partnership = status.value

    def add_resident(self, gx: int, gy: int, encrypted: bool) -> None:
        self.begin("create resident")
        label = self.model.next_label("X", self.model.residents)
        name, contact = f"Resident {label} Lane", f"{label.lower()}.home@example.org"
        done = self.driver.create_resident(name=name, contact=contact)
        assert done.value is not None, done
        resident = ModelResident(label, done.value, name, contact)
        self.model.residents[resident.id] = resident
        self.outcome(done, f"operator registers resident {label}")
        self._add_camera(resident, gx, gy, encrypted)

    def add_camera(self, r: int, gx: int, gy: int) -> None:
        self.begin("create camera")
        self._add_camera(pick(self.residents(), r), gx, gy, False)

    def _add_camera(self, resident: ModelResident, gx: int, gy: int, encrypted: bool) -> None:
        lat, lng = world.camera_site(gx, gy)
        done = self.driver.create_camera(resident.id, lat=lat, lng=lng, encrypted=encrypted)
        assert done.value is not None, done
        label = self.model.next_label("K", self.model.cameras)
        self.model.cameras[done.value] = ModelCamera(
            label, done.value, resident.id, lat, lng, encrypted
        )
        resident.cameras.append(done.value)
        self.say(
            f"   camera {label} of resident {resident.label} at site ({gx}, {gy})"
            + (", end-to-end encrypted" if encrypted else "")
        )

    def record_clip(self, k: int, ago: int, minutes: int) -> None:
        self.begin("record clip")
        camera: ModelCamera = pick(list(self.model.cameras.values()), k)
        starts = self.clock.now() - timedelta(minutes=30 * ago)
        ends = starts + timedelta(minutes=minutes)
        done = self.driver.create_clip(camera.id, starts_at=starts, ends_at=ends)
        label = self.model.next_label("C", self.model.clips)
        self.outcome(
            done, f"camera {camera.label} records clip {label}, {minutes} min, {ago / 2:g} h ago"
        )
        if done.ok and done.value is not None:
            self.model.clips[done.value] = ModelClip(
                label,
                done.value,
                camera.id,
                starts,
                ends,
                self.model.retained_until(ends),
                done.digest,
            )

    @rule(delta=st.sampled_from(ADVANCES), sweep=SOMETIMES)
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

    # --- hostile and exceptional use of the gate ---------------------------------------------
    @precondition(lambda self: bool(self.model.requests))
    @rule(q=PICK, sweep=SOMETIMES)
    def let_request_expire(self, q: int, sweep: bool) -> None:
        """Time runs to just past one request's expiry: the boundary I8 is about."""
        request: ModelRequest = pick(self.requests(), q)
        if request.expires_at > self.clock.now():
            self.advance_clock(request.expires_at - self.clock.now() + timedelta(minutes=1), sweep)
        else:
            self.advance_clock(timedelta(hours=1), sweep)

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
        an emergency or legal basis this is the exception hook: an operator releases without
        consent, citing a reference, which only a policy declaring that exception may allow."""
        self.begin("ask the gate")
        clip: ModelClip = pick(list(self.model.clips.values()), c)
        request: ModelRequest = pick(self.requests(), q)
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
                f"operator asks for a {basis.value} release of clip {clip.label} "
                f"for request {request.label} citing {reference!r}"
            )
        self.outcome(done, text)

    # --- the agency ------------------------------------------------------------------------
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
    ) -> None:
        self.begin("file request")
        agency: ModelAgency = pick(self.agencies(), a)
        lat, lng = world.request_centre(cx, cy)
        kind = kind if self.config.exception_requests else RequestKind.CONSENT
        start = self.clock.now() - timedelta(minutes=30 * ago)
        draft = RequestDraft(
            case_number=f"CASE-{agency.label}-{case}",
            incident_type=incident,
            description="Verifier request",
            center_lat=lat,
            center_lng=lng,
            radius_m=radius,
            window_start=start,
            window_end=start + timedelta(minutes=minutes),
            kind=kind,
        )
        label = self.model.next_label("R", self.model.requests)
        recipients = self.model.expected_recipients(lat, lng, radius)
        done = self.driver.file_request(agency.id, draft)
        text = (
            f"agency {agency.label} files {kind.value} request {label}: {radius:g} m "
            f"around ({cx}, {cy}), {minutes} min from {ago / 2:g} h ago, {incident}"
        )
        self.outcome(done, text + (f" -> {len(recipients)} residents to notify" if done.ok else ""))
        if not done.ok or done.value is None:
            return
        if not self.model.partnered(agency.id):
            self.flag(
                [
                    violation(
                        "conformance",
                        f"agency {agency.label} filed a request without an active partnership",
                    )
                ]
            )
        in_area = self.model.residents_in_area(lat, lng, radius)
        opted = {r for r in in_area if self.model.residents[r].opted_out}
        now = self.clock.now()
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
            frozenset(opted),
            dict.fromkeys(recipients, "pending"),
        )

    @precondition(lambda self: bool(self.model.requests))
    @rule(a=PICK, q=PICK)
    def close_request(self, a: int, q: int) -> None:
        self.begin("close request")
        agency: ModelAgency = pick(self.agencies(), a)
        request: ModelRequest = pick(self.requests(), q)
        valid = (
            request.agency_id == agency.id
            and self.model.partnered(agency.id)
            and request.is_open(self.clock.now())
        )
        done = self.outcome(
            self.driver.close(agency.id, request.id),
            f"agency {agency.label} closes request {request.label}",
        )
        if done.ok != valid:
            self.flag(
                [
                    violation(
                        "conformance",
                        f"closing {request.label} by "
                        f"{agency.label} was {'accepted' if done.ok else 'refused'}",
                    )
                ]
            )
        if done.ok and request.closed_at is None:
            request.closed_at = self.clock.now()

    @precondition(lambda self: bool(self.model.agencies))
    @rule(
        what=st.sampled_from(["map", "requests", "request", "footage", "download", "download"]),
        a=PICK,
        q=PICK,
        aim=st.sampled_from(["own", "own", "other", "guess", "clip"]),
        i=PICK,
    )
    def agency_reads(self, what: str, a: int, q: int, aim: str, i: int) -> None:
        """An agency reads the map, its requests, footage lists, or downloads any id
        (released, unreleased, another agency's, guessed)."""
        self.begin(f"agency reads {what}")
        agency: ModelAgency = pick(self.agencies(), a)
        requests = self.requests()
        if what == "map" or (what in ("request", "footage") and not requests):
            self.look_at_map(agency)
        elif what == "requests":
            self.look_at_requests(agency)
        elif what == "request":
            self.look_at_request(agency, pick(requests, q))
        elif what == "footage":
            self.look_at_footage(agency, pick(requests, q))
        else:
            self.try_download(agency, aim, i)

    @invariant()
    def guarantee_holds(self) -> None:
        after = self.driver.snapshot()
        self.observe_releases(after)
        found = list(self.pending)
        found += check_audit(self.before, after, refused=self.refused, action=self.action)
        found += check_consents_and_notices(self.model, after)
        self.before, self.pending, self.refused = after, [], False
        stop = [f for f in found if f.verdict is Verdict.VIOLATION or self.config.strict]
        if stop:
            raise GuaranteeBroken(stop, self.trace)
