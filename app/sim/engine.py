"""The discrete-event engine: a heap of timed events on the simulated clock, each one turned
into calls of the same workflow services the REST API calls.

No rule is implemented here. Whether a request may be filed, who is notified, whether a clip is
released: the services and the policy decide, and the engine only records what they answered
(a refused request is counted by the refusal's code). Footage is materialised lazily: a camera's
recording for an hour is drawn, once, the first time a request's window covers that hour, so a
city of a million cameras does not store a year of clips nobody asks about.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from app.clock import SimulatedClock
from app.policies.base import Policy
from app.policies.params import IdentityOnShare
from app.sim.behaviour import AgencyBehaviour, Answer, Incident, ResidentBehaviour, incident_at
from app.sim.city import CityIndex, build_city
from app.sim.metrics import Metrics, cells_in_circle
from app.sim.scenario import Scenario
from app.sim.seeds import stream
from app.sim.store import StepRunner
from app.workflow import exceptions, gate, moderation, operator, requests, responses
from app.workflow.area import cameras_in_circle
from app.workflow.context import SYSTEM, Actor, Ctx
from app.workflow.errors import DomainError
from app.workflow.records import Camera, Clip, FootageRequest, Notice, Release
from app.workflow.states import ReleaseBasis, RequestKind, RequestStatus, Role

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


MODERATOR = Actor(Role.OPERATOR, SYSTEM.subject, "moderator")


@dataclass(frozen=True, slots=True)
class RunResult:
    scenario: str
    policy: str
    seed: int
    summary: dict[str, Any]
    weekly: list[dict[str, Any]]
    audit_entries: int
    audit_head: str

    def workflow_events(self) -> int:
        """Requests, notices, responses, releases and audit entries: the benchmark's unit."""
        s = self.summary
        releases = sum(s[f"clips_released_{b.value}"] for b in ReleaseBasis)
        answers = s["shares"] + s["declines"] + s["opt_outs"] + s["withdrawals"]
        return int(s["requests_filed"] + s["notices"] + answers + releases + self.audit_entries)


class Engine:
    def __init__(
        self,
        scenario: Scenario,
        policy: Policy,
        seed: int,
        run: StepRunner,
        clock: SimulatedClock,
    ) -> None:
        self.s, self.policy, self.seed, self.run = scenario, policy, seed, run
        self.clock = clock
        self.start = scenario.run.start
        self.end = self.start + timedelta(days=scenario.run.days)
        self.agencies = AgencyBehaviour(scenario, stream(seed, "agencies"))
        self.residents = ResidentBehaviour(scenario, stream(seed, "residents"))
        self.incident_rng = stream(seed, "incidents")
        self.footage_rng = stream(seed, "footage")
        self.queue: list[tuple[datetime, int, str, tuple[Any, ...]]] = []
        self.order = itertools.count()
        # (camera id's number, hour): the number hashes in C, a UUID in uuid.py
        self.recorded_hours: set[tuple[int, datetime]] = set()
        self.clip_hours: dict[UUID, float] = {}
        self.clip_owner: dict[UUID, UUID] = {}
        self.city = CityIndex()
        self.metrics: Metrics | None = None

    # --- scheduling ----------------------------------------------------------------------
    def at(self, when: datetime, kind: str, *payload: Any) -> None:
        if when < self.end:
            heapq.heappush(self.queue, (when, next(self.order), kind, payload))

    def run_all(self) -> RunResult:
        city_rng = stream(self.seed, "city")
        self.city = build_city(self.run, self.s, city_rng)
        city_cells: set[str] = set()
        for hood in self.s.city.neighborhoods:
            city_cells |= cells_in_circle(*self.city.hood_centres[hood.id], hood.radius_m)
        self.metrics = Metrics(self.start, city_cells, dict(self.city.households_by_group))
        self._schedule_incidents()
        self.at(self.start + DAY, "daily")
        handlers: dict[str, Callable[..., None]] = {
            "incident": self.on_incident,
            "file": self.on_file,
            "answer": self.on_answer,
            "withdraw": self.on_withdraw,
            "daily": self.on_daily,
            "exception": self.on_exception_demand,
            "file_exception": self.on_file_exception,
        }
        while self.queue:
            when, _, kind, payload = heapq.heappop(self.queue)
            self.clock.set(when)
            handlers[kind](*payload)
        self.clock.set(self.end)
        size, head = self.run.audit_head()
        self.metrics.finish(self.end, size)
        return RunResult(
            self.s.name,
            self.policy.name,
            self.seed,
            {"cameras": self.city.cameras, **self.metrics.summary()},
            self.metrics.weekly_rows(),
            size,
            head,
        )

    def _schedule_incidents(self) -> None:
        rates = self.s.incidents.rates_per_1000_households_per_year
        for hood in self.s.city.neighborhoods:
            own = hood.incident_rates
            for kind in sorted(rates.keys() | own.keys()):
                if kind in own:  # the neighborhood's own rate, multiplier not applied
                    per_day = own[kind] / 1000.0 * hood.households / 365.25
                else:  # (this expression's order is kept: a rounding apart, other draws)
                    per_day = (
                        rates[kind] / 1000.0 * hood.households * hood.incident_multiplier / 365.25
                    )
                self._next_incident(self.start, hood.id, kind, per_day)
        b = self.s.agency_behaviour
        for kind, per_year in (
            (RequestKind.EMERGENCY, b.emergency_per_year),
            (RequestKind.LEGAL, b.legal_per_year),
        ):
            self._next_exception(self.start, kind, per_year / 365.25)

    def _next_incident(self, after: datetime, hood_id: str, kind: str, per_day: float) -> None:
        if per_day > 0:
            gap = timedelta(days=self.incident_rng.expovariate(per_day))
            self.at(after + gap, "incident", hood_id, kind, per_day)

    def _next_exception(self, after: datetime, kind: RequestKind, per_day: float) -> None:
        if per_day > 0:
            gap = timedelta(days=self.incident_rng.expovariate(per_day))
            self.at(after + gap, "exception", kind, per_day)

    @property
    def m(self) -> Metrics:
        assert self.metrics is not None
        return self.metrics

    def now(self) -> datetime:
        return self.clock.now()

    # --- agencies ------------------------------------------------------------------------
    def on_incident(self, hood_id: str, kind: str, per_day: float) -> None:
        now = self.now()
        self._next_incident(now, hood_id, kind, per_day)
        incident = incident_at(self.incident_rng, self.city, self.s, hood_id, kind, now)
        agency_key = self.agencies.pick_agency(self.city, hood_id)
        if agency_key is None or not self.agencies.wants_request(incident):
            return
        case = self.agencies.new_case_number(agency_key)
        draft, filed_at = self.agencies.draft(incident, case)
        self.at(filed_at, "file", agency_key, incident, draft, True)

    def _officer(self, agency_key: str) -> tuple[UUID, Actor]:
        agency_id = self.city.agency_ids[agency_key]
        return agency_id, Actor(Role.AGENCY, agency_id, f"Officer of {agency_key}")

    def _file(self, agency_key: str, draft: requests.RequestDraft) -> FootageRequest | None:
        agency_id, officer = self._officer(agency_key)
        try:
            return self.run(
                lambda c: requests.file_request(c, officer, agency_id=agency_id, draft=draft)
            )
        except DomainError as exc:
            self.m.request_refused(self.now(), exc.code)
            return None

    def on_file(
        self, agency_key: str, incident: Incident, draft: requests.RequestDraft, first: bool
    ) -> None:
        request = self._file(agency_key, draft)
        if request is None:
            return
        if request.status is RequestStatus.PENDING_REVIEW:
            # A moderated policy: the platform's moderator publishes the request, through the
            # same step as POST /operator/requests/{id}/approve. No public figure gives a
            # rejection rate or a review delay, so every request is approved at once.
            pending = request
            request = self.run(
                lambda c: moderation.approve_request(c, MODERATOR, request_id=pending.id)
            )
        now = request.filed_at
        notices = self.run(lambda c: c.store.find(Notice, request_id=request.id))
        self._materialise_footage(request)
        hood_of = self.city.hood_of_resident
        group_of = self.city.group_of_hood
        self.m.request_filed(
            now,
            group=group_of[incident.hood_id],
            circle=(request.center_lat, request.center_lng, request.radius_m),
            notices=[(n.id, n.resident_id, group_of[hood_of[n.resident_id.int]]) for n in notices],
        )
        for notice in notices:
            answer, delay = self.residents.answer(notice.resident_id, incident.incident_type)
            if answer is not Answer.IGNORE:
                self.at(now + delay, "answer", notice.id, notice.resident_id, request.id, answer)
        if first and self.agencies.wants_follow_up():
            follow_up, _ = self.agencies.draft(incident, draft.case_number)
            self.at(now + DAY, "file", agency_key, incident, follow_up, False)

    def on_exception_demand(self, kind: RequestKind, per_day: float) -> None:
        """An emergency or legal demand arrives: place it, pick the agency, file it later."""
        now = self.now()
        self._next_exception(now, kind, per_day)
        hoods = self.s.city.neighborhoods
        hood = self.incident_rng.choices(hoods, weights=[n.households for n in hoods])[0]
        incident = incident_at(self.incident_rng, self.city, self.s, hood.id, kind.value, now)
        agency_key = self.agencies.pick_agency(self.city, hood.id)
        if agency_key is None:
            return
        case = self.agencies.new_case_number(agency_key)
        draft, filed_at = self.agencies.draft(incident, case, kind)
        self.at(filed_at, "file_exception", agency_key, incident, draft)

    def on_file_exception(
        self, agency_key: str, incident: Incident, draft: requests.RequestDraft
    ) -> None:
        """File the demand with its justification; it waits for the operator, who approves it
        (app/workflow/exceptions.py): every clip goes through the one gate, or, for a subpoena,
        only non-content data is disclosed. A policy that declares no such exception refuses
        the filing itself."""
        justification = self.agencies.exception_demand(draft.kind, incident)
        legal_process = "warrant" if draft.kind is RequestKind.LEGAL else ""
        draft = replace(draft, justification=justification, legal_process=legal_process)
        request = self._file(agency_key, draft)
        if request is None:
            return
        self._materialise_footage(request)
        approver = Actor(Role.OPERATOR, SYSTEM.subject, "trust-and-safety")
        outcome = self.run(
            lambda c: exceptions.approve_exception(
                c, approver, request_id=request.id, justification=f"approved: {justification}"
            )
        )
        for code, count in sorted(outcome.refused.items()):
            for _ in range(count):
                self.m.request_refused(self.now(), f"gate_{code}")
        for release in outcome.releases:
            self._released(release)

    # --- footage -------------------------------------------------------------------------
    def _materialise_footage(self, request: FootageRequest) -> None:
        """Draw, once per camera and hour, whether a subscribed camera recorded a clip."""
        rng, now = self.footage_rng, request.filed_at
        first_hour = request.window_start.replace(minute=0, second=0, microsecond=0)

        def record(c: Ctx) -> None:
            cameras = cameras_in_circle(c, request.center_lat, request.center_lng, request.radius_m)
            subscribed, recorded = self.city.subscribed_cameras, self.recorded_hours
            for camera in cameras:
                number = camera.id.int
                if number not in subscribed:
                    continue
                hour = first_hour
                while hour < request.window_end:
                    key = (number, hour)
                    if key not in recorded:
                        recorded.add(key)
                        if self.residents.recorded():
                            self._record_clip(c, camera, hour, rng.randrange(55), now)
                    hour += HOUR

        self.run(record)

    def _record_clip(
        self, c: Ctx, camera: Camera, hour: datetime, minute: int, now: datetime
    ) -> None:
        start = hour + timedelta(minutes=minute)
        end = start + timedelta(minutes=1 + self.footage_rng.randrange(5))
        if end > now:
            return
        clip: Clip = operator.create_clip(
            c, SYSTEM, camera_id=camera.id, starts_at=start, ends_at=end
        )
        self.clip_hours[clip.id] = (end - start) / HOUR
        self.clip_owner[clip.id] = camera.resident_id

    def _released(self, release: Release) -> None:
        disclosed = self.policy.params.identity_on_share is IdentityOnShare.CONTACT and bool(
            release.neighbor_label
        )
        self.m.released(
            release,
            owner=self.clip_owner[release.clip_id],
            hours=self.clip_hours[release.clip_id],
            identity_disclosed=disclosed,
        )

    # --- residents -----------------------------------------------------------------------
    def on_answer(
        self, notice_id: UUID, resident_id: UUID, request_id: UUID, answer: Answer
    ) -> None:
        now = self.now()
        actor = Actor(Role.RESIDENT, resident_id)
        if answer is Answer.OPT_OUT:
            self.run(
                lambda c: responses.update_settings(
                    c, actor, resident_id=resident_id, opted_out=True, encrypt_by_default=None
                )
            )
            self.m.count(now, "opt_outs")
            return
        item = self.run(
            lambda c: responses.get_inbox_item(c, resident_id=resident_id, request_id=request_id)
        )
        if not item.open:
            self.m.count(now, "late_responses")
            return
        if answer is Answer.DECLINE:
            self.run(
                lambda c: responses.decline(
                    c, actor, resident_id=resident_id, request_id=request_id
                )
            )
            self.m.answered(now, notice_id, "declines")
            return
        clips = sorted(item.clips, key=lambda clip: (clip.starts_at, str(clip.id)))
        if not clips:
            return  # nothing recorded in the window: the notice goes unanswered
        chosen = [clip.id for clip in clips[: self.residents.clips_to_share(len(clips))]]
        consent, released = self.run(
            lambda c: responses.share(
                c, actor, resident_id=resident_id, request_id=request_id, clip_ids=chosen
            )
        )
        self.m.answered(now, notice_id, "shares")
        for release in released:
            self._released(release)
        later = self.residents.withdraws()
        if later is not None:
            self.at(now + later, "withdraw", consent.id, resident_id)

    def on_withdraw(self, consent_id: UUID, resident_id: UUID) -> None:
        now = self.now()
        actor = Actor(Role.RESIDENT, resident_id)
        self.run(
            lambda c: responses.withdraw(c, actor, resident_id=resident_id, consent_id=consent_id)
        )
        revoked = self.run(lambda c: c.store.find(Release, consent_id=consent_id))
        self.m.count(now, "withdrawals")
        self.m.count(now, "releases_revoked", sum(1 for r in revoked if r.revoked_at == now))

    # --- the operator's daily round --------------------------------------------------------
    def on_daily(self) -> None:
        self.run(requests.expire_due)
        for release in self.run(gate.release_due):
            self._released(release)
        self.at(self.now() + DAY, "daily")
