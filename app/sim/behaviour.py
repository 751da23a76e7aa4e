"""Behaviour models: what agencies and residents choose, given their scenario parameters.

Pure draws from seeded generators; the engine turns the choices into workflow service calls.
Each model owns its own stream, so changing resident behaviour leaves incidents and the city
exactly as they were (common random numbers across policies and parameter points).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.sim.city import CityIndex, point_in_disc
from app.sim.scenario import Range, Scenario
from app.workflow.requests import RequestDraft
from app.workflow.states import RequestKind


def uniform(rng: random.Random, r: Range) -> float:
    return r.low if r.high == r.low else rng.uniform(r.low, r.high)


def by_type(table: dict[str, float], incident_type: str) -> float:
    return table.get(incident_type, table["default"])


def whole_minutes(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class Incident:
    at: datetime
    hood_id: str
    incident_type: str
    lat: float
    lng: float


class Answer(StrEnum):
    SHARE = "share"
    DECLINE = "decline"
    IGNORE = "ignore"
    OPT_OUT = "opt_out"


class AgencyBehaviour:
    def __init__(self, scenario: Scenario, rng: random.Random) -> None:
        self.params = scenario.agency_behaviour
        self.rng = rng
        self.cases = 0

    def pick_agency(self, city: CityIndex, hood_id: str) -> str | None:
        serving = city.agencies_by_hood.get(hood_id, [])
        return self.rng.choice(serving) if serving else None

    def wants_request(self, incident: Incident) -> bool:
        p = by_type(self.params.request_probability, incident.incident_type)
        return self.rng.random() < p

    def wants_follow_up(self) -> bool:
        return self.rng.random() < self.params.follow_up_probability

    def new_case_number(self, agency_key: str) -> str:
        self.cases += 1
        return f"{agency_key.upper()}-{self.cases:06d}"

    def draft(
        self,
        incident: Incident,
        case_number: str,
        kind: RequestKind = RequestKind.CONSENT,
    ) -> tuple[RequestDraft, datetime]:
        """The request for an incident and when it is filed (after the window has ended)."""
        minutes = round(uniform(self.rng, self.params.window_minutes))
        start = whole_minutes(incident.at - timedelta(minutes=minutes // 2))
        end = start + timedelta(minutes=minutes)
        filed = end + timedelta(hours=uniform(self.rng, self.params.filing_delay_hours))
        draft = RequestDraft(
            case_number=case_number,
            incident_type=incident.incident_type,
            description=f"{incident.incident_type.replace('_', ' ')} reported in the area",
            center_lat=incident.lat,
            center_lng=incident.lng,
            radius_m=round(uniform(self.rng, self.params.radius_m), 1),
            window_start=start,
            window_end=end,
            kind=kind,
        )
        return draft, whole_minutes(filed)

    def exception_demand(self, kind: RequestKind, incident: Incident) -> str:
        """The justification of an emergency or legal demand (a legal one is always a warrant).

        The engine files it with the request and has the operator approve it at once through
        app/workflow/exceptions.py, so whatever the policy in force declares decides; see
        `Engine.on_file_exception`.
        """
        if kind is RequestKind.EMERGENCY:
            return f"exigent circumstances: {incident.incident_type}"
        return f"warrant for video content, case {self.cases:06d}"


class ResidentBehaviour:
    def __init__(self, scenario: Scenario, rng: random.Random) -> None:
        self.params = scenario.resident_behaviour
        self.rng = rng
        self.notices_seen: dict[object, int] = {}

    def answer(self, resident_id: object, incident_type: str) -> tuple[Answer, timedelta]:
        """What a notified resident does, and after how long."""
        p = self.params
        seen = self.notices_seen.get(resident_id, 0) + 1
        self.notices_seen[resident_id] = seen
        delay = timedelta(hours=uniform(self.rng, p.response_delay_hours))
        # Request fatigue: past a number of notices, some residents switch requests off.
        if seen > p.opt_out_after_notices and self.rng.random() < p.opt_out_probability:
            return Answer.OPT_OUT, delay
        u = self.rng.random()
        share = by_type(p.share_probability, incident_type)
        if u < share:
            return Answer.SHARE, delay
        if u < share + p.decline_probability:
            return Answer.DECLINE, delay
        return Answer.IGNORE, delay

    def clips_to_share(self, available: int) -> int:
        return min(available, self.rng.randint(1, self.params.max_clips_shared))

    def withdraws(self) -> timedelta | None:
        if self.rng.random() < self.params.withdraw_probability:
            return timedelta(hours=uniform(self.rng, self.params.response_delay_hours))
        return None

    def recorded(self) -> bool:
        return self.rng.random() < self.params.recording_probability_per_hour


def incident_at(
    rng: random.Random, city: CityIndex, scenario: Scenario, hood_id: str, kind: str, at: datetime
) -> Incident:
    hood = next(n for n in scenario.city.neighborhoods if n.id == hood_id)
    lat, lng = point_in_disc(rng, *city.hood_centres[hood_id], hood.radius_m)
    return Incident(at=at, hood_id=hood_id, incident_type=kind, lat=lat, lng=lng)
