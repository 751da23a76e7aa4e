"""The scenario's shape: pydantic models, their bounds and defaults, and its hash.

app/sim/scenario.py reads a scenario file into these models and checks what a field's bounds
cannot say (ids used twice, an empty city, the policy); importing the models from there works
as it always did. The defaults of each field are calibrated on public figures;
`scenarios/*.toml` cite them next to the values.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


def probability(default: float | None = None) -> Any:
    """A field in [0, 1]; required when no default is given."""
    if default is None:
        return Field(ge=0.0, le=1.0)
    return Field(default=default, ge=0.0, le=1.0)


# Sanity bounds: far beyond any real city, yet finite, so that a typo (an extra zero, `inf`)
# is refused with its key instead of hanging the run, exhausting memory or overflowing a date.
MAX_OFFSET_M = 200_000.0  # a neighborhood's centre, from the city centre
MAX_RATE = 100_000.0  # incidents per 1,000 households per year: 100 per household
MAX_DEMANDS_PER_YEAR = 10_000.0  # emergency or legal demands, city-wide
MAX_DAY_OFFSET = 36_525.0  # a partnership's start or end: a century either way
MAX_HOUSEHOLDS = 10_000_000  # every camera is held in memory (about 2 GiB a million)


class _Strict(BaseModel):
    # allow_inf_nan=False: `nan` or `inf` is refused as "a finite number", where a bound check
    # alone would accept inf (no upper bound) or name a misleading bound for nan.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class Range(_Strict):
    """A uniform range [low, high]."""

    low: float = Field(ge=0.0)
    high: float = Field(ge=0.0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.high < self.low:
            raise ValueError("high must be at least low")
        return self


class Metres(Range):
    """A distance range (a request's radius), no wider than a neighborhood may be."""

    high: float = Field(ge=0.0, le=20_000.0)


class Minutes(Range):
    """A duration in minutes, at most a year."""

    high: float = Field(ge=0.0, le=525_960.0)


class Hours(Range):
    """A delay in hours, at most a year."""

    high: float = Field(ge=0.0, le=8_766.0)


class Neighborhood(_Strict):
    id: str = Field(min_length=1)
    # Label for fairness figures (e.g. an income or demographic group).
    group: str = Field(min_length=1)
    # Centre as an offset from the city centre, in metres (east, north).
    east_m: float = Field(default=0.0, ge=-MAX_OFFSET_M, le=MAX_OFFSET_M)
    north_m: float = Field(default=0.0, ge=-MAX_OFFSET_M, le=MAX_OFFSET_M)
    radius_m: float = Field(gt=0.0, le=20_000.0)
    households: int = Field(ge=0)
    camera_adoption: float = probability()
    encryption_adoption: float = probability(0.0)
    opt_out_rate: float = probability(0.0)
    # Relative incident intensity (reported incidents differ between neighborhoods).
    incident_multiplier: float = Field(default=1.0, ge=0.0, le=1_000.0)
    # This neighborhood's own reported incidents per 1,000 households per year, by type: each
    # replaces the city-wide rate times incident_multiplier for its type (and may name a type
    # the city-wide table lacks). Where one crime is concentrated, a multiplier cannot say it.
    incident_rates: dict[str, Annotated[float, Field(ge=0.0, le=MAX_RATE)]] = Field(
        default_factory=dict
    )


class City(_Strict):
    name: str = "synthetic city"
    center_lat: float = Field(ge=-85.0, le=85.0)
    center_lng: float = Field(ge=-180.0, le=180.0)
    neighborhoods: list[Neighborhood]


class AgencySpec(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    federal: bool = False
    # Neighborhood ids this agency's incidents come from (its jurisdiction).
    serves: list[str] = Field(min_length=1)
    # Days from the scenario start; a negative start means the partnership already exists.
    partnership_start_day: float = Field(default=0.0, ge=-MAX_DAY_OFFSET, le=MAX_DAY_OFFSET)
    partnership_end_day: float | None = Field(default=None, ge=-MAX_DAY_OFFSET, le=MAX_DAY_OFFSET)
    free_units: int = Field(default=0, ge=0)
    promotion_duty: bool = False
    credit_per_download: float = Field(default=0.0, ge=0.0)


class Incidents(_Strict):
    # Reported incidents per 1,000 households per year, by type.
    rates_per_1000_households_per_year: dict[str, float]

    @model_validator(mode="after")
    def _non_negative(self) -> Self:
        for kind, rate in self.rates_per_1000_households_per_year.items():
            if rate < 0:
                raise ValueError(f"rate for {kind!r} is negative ({rate})")
            if rate > MAX_RATE:
                raise ValueError(f"rate for {kind!r} is above {MAX_RATE:,.0f} ({rate})")
        return self


class AgencyBehaviour(_Strict):
    # Probability that an incident leads to a footage request, by incident type ("default").
    request_probability: dict[str, float] = {"default": 0.1}
    radius_m: Metres = Metres(low=150.0, high=300.0)
    window_minutes: Minutes = Minutes(low=30.0, high=240.0)
    filing_delay_hours: Hours = Hours(low=1.0, high=72.0)
    # Probability of a second request in the same investigation (policy may refuse it).
    follow_up_probability: float = probability(0.0)
    # Emergency and legal (warrant) demands per year, city-wide (Engine.on_file_exception).
    emergency_per_year: float = Field(default=0.0, ge=0.0, le=MAX_DEMANDS_PER_YEAR)
    legal_per_year: float = Field(default=0.0, ge=0.0, le=MAX_DEMANDS_PER_YEAR)


class ResidentBehaviour(_Strict):
    # Probability of sharing when notified, by incident type ("default").
    share_probability: dict[str, float] = {"default": 0.035}
    # Probability of an explicit decline; the rest ignore the notice.
    decline_probability: float = probability(0.05)
    response_delay_hours: Hours = Hours(low=0.5, high=48.0)
    # Cameras with a cloud subscription record clips; the rest have no footage to share.
    subscription_rate: float = probability(0.6)
    # Probability that a subscribed camera recorded motion within a given request window hour.
    recording_probability_per_hour: float = probability(0.35)
    max_clips_shared: int = Field(default=3, ge=1, le=200)
    # After this many notices, a resident opts out with `opt_out_probability` at each further one.
    opt_out_after_notices: int = Field(default=5, ge=1)
    opt_out_probability: float = probability(0.0)
    withdraw_probability: float = probability(0.0)


class PolicySpec(_Strict):
    name: str = "privacy-by-design"
    # Parameter overrides on top of the named policy's parameters.
    params: dict[str, Any] = {}
    # The name the run goes by: a policy file's own, set when `policy.file` names one.
    label: str | None = Field(default=None, min_length=1, max_length=200)


class Run(_Strict):
    seed: int = Field(ge=0)
    # Not strict: `plain()` hands runs and sweeps the scenario as JSON, where a TOML datetime
    # has become its ISO text.
    start: datetime = Field(strict=False)
    days: float = Field(gt=0.0, le=3650.0)


class Scenario(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    run: Run
    city: City
    agencies: list[AgencySpec]
    incidents: Incidents
    agency_behaviour: AgencyBehaviour = AgencyBehaviour()
    resident_behaviour: ResidentBehaviour = ResidentBehaviour()
    policy: PolicySpec = PolicySpec()

    def digest(self) -> str:
        """SHA-256 of the canonical JSON of the validated scenario (comments do not count)."""
        # Keys that came later (neighborhoods' incident_rates, the policy's label) are left out
        # while unset, so a scenario written before them keeps the hash its manifests recorded.
        later: dict[str, Any] = {}
        if not any(n.incident_rates for n in self.city.neighborhoods):
            later["city"] = {"neighborhoods": {"__all__": {"incident_rates"}}}
        if self.policy.label is None:
            later["policy"] = {"label"}
        dumped = self.model_dump(mode="json", exclude=later or None)
        return hashlib.sha256(canonical_json(dumped).encode()).hexdigest()

    def total_households(self) -> int:
        return sum(n.households for n in self.city.neighborhoods)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
