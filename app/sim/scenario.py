"""Scenario files: TOML, validated before anything runs, every error naming its key.

A scenario is a synthetic city (neighborhoods), agencies with their partnerships, an incident
process, agency and resident behaviour, the policy, a duration and a seed. The defaults of each
field are calibrated on public figures; `scenarios/*.toml` cite them next to the values.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.clock import FIRST_YEAR, LAST_YEAR  # run.start: the years the service works in
from app.files import UnreadableFile, folder_name_problem, read_text_file
from app.policies.base import Policy, StandardPolicy
from app.policies.params import PolicyParameterError, PolicyParams
from app.policies.registry import PolicyNotFound, load_policy, preset_names
from app.sim.scenario_policy import OVERRIDES, inline_policy_file


def probability(default: float | None = None) -> Any:
    """A field in [0, 1]; required when no default is given."""
    if default is None:
        return Field(ge=0.0, le=1.0)
    return Field(default=default, ge=0.0, le=1.0)


class ScenarioError(ValueError):
    """The scenario is refused; `problems` lists (key, reason) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{key}: {reason}" for key, reason in problems))


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


def key_path(parts: tuple[int | str, ...]) -> str:
    """A pydantic error location as the dotted key a researcher wrote: `agencies[0].id`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "scenario"


def _semantic_problems(s: Scenario) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    hoods = s.city.neighborhoods
    if not hoods:
        problems.append(("city.neighborhoods", "the city is empty: add at least one neighborhood"))
    elif s.total_households() == 0 or all(n.camera_adoption == 0 for n in hoods):
        problems.append(("city.neighborhoods", "the city is empty: no household has a camera"))
    seen: dict[str, str] = {}
    for i, hood in enumerate(hoods):
        if hood.id in seen:
            problems.append((f"city.neighborhoods[{i}].id", f"{hood.id!r} is used twice"))
        seen[hood.id] = "neighborhood"
    total = s.total_households()
    if total > MAX_HOUSEHOLDS:
        problems.append(
            ("city.neighborhoods", f"{total:,} households in all; at most {MAX_HOUSEHOLDS:,}")
        )
    if not s.agencies:
        problems.append(("agencies", "at least one agency is needed"))
    for i, agency in enumerate(s.agencies):
        if agency.id in seen:
            problems.append(
                (f"agencies[{i}].id", f"{agency.id!r} is already a {seen[agency.id]} id")
            )
        seen[agency.id] = "agency"
        for hood_id in agency.serves:
            if hood_id not in {n.id for n in hoods}:
                problems.append((f"agencies[{i}].serves", f"no neighborhood {hood_id!r}"))
        end = agency.partnership_end_day
        if end is not None and end <= agency.partnership_start_day:
            problems.append((f"agencies[{i}].partnership_end_day", "must be after the start"))
    served = {hood_id for agency in s.agencies for hood_id in agency.serves}
    for i, hood in enumerate(hoods):
        # Its incidents would never become a request, silently: say which agency serves it.
        if s.agencies and hood.id not in served:
            problems.append(
                (
                    f"city.neighborhoods[{i}].id",
                    f"no agency serves {hood.id!r}: add it to an agency's serves (for police "
                    "that never partner, give that agency a partnership_start_day after the "
                    "run)",
                )
            )
    if not s.incidents.rates_per_1000_households_per_year and not any(
        n.incident_rates for n in hoods
    ):
        problems.append(
            ("incidents.rates_per_1000_households_per_year", "no incident type: add at least one")
        )
    for key, table in (
        ("agency_behaviour.request_probability", s.agency_behaviour.request_probability),
        ("resident_behaviour.share_probability", s.resident_behaviour.share_probability),
    ):
        if "default" not in table:
            problems.append((key, "needs a 'default' entry"))
        for kind, p in table.items():
            if not 0.0 <= p <= 1.0:
                problems.append((f"{key}.{kind}", f"{p} is not a probability (0 to 1)"))
    rb = s.resident_behaviour
    if rb.share_probability and rb.decline_probability + max(rb.share_probability.values()) > 1:
        problems.append(
            ("resident_behaviour.decline_probability", "share + decline must not exceed 1")
        )
    return problems


# The name is the default output folder, runs/<name> (compare: runs/<name>-compare): one name a
# file system takes (255 bytes, with room for the suffix), checked before the run, not after.
MAX_NAME_BYTES = 200


def load_scenario_policy(spec: PolicySpec, folder: Path | None = None) -> Policy:
    """The named policy, with the scenario's parameter overrides applied if any. `folder`: the
    scenario file's, which a relative policy file path is read from (default: the current)."""
    base = load_policy(spec.name, folder)
    if not spec.params and spec.label is None:
        return base
    params = PolicyParams.from_mapping(base.params, dict(spec.params))
    name = spec.label or base.name + OVERRIDES
    return StandardPolicy(name, params, getattr(base, "description", ""))


def parse_scenario(data: dict[str, Any], folder: Path | None = None) -> Scenario:
    """Validate a scenario mapping; raise ScenarioError naming every bad key. `folder`: the
    scenario file's, which a relative `policy.name` file path is read from."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([(key_path(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    problems = _semantic_problems(scenario)
    if scenario.policy.label in preset_names():  # a preset's name would pass these rules off
        problems.append(("policy.label", "a preset's name; give the policy a name of its own"))
    try:
        load_scenario_policy(scenario.policy, folder)
    except PolicyNotFound as exc:
        problems.append(("policy.name", str(exc)))
    except PolicyParameterError as exc:
        problems += [(f"policy.params.{key}", reason) for key, reason in exc.problems]
    if scenario.run.start.tzinfo is None:
        problems.append(("run.start", "needs a time zone, e.g. 2019-01-01T00:00:00Z"))
    if not FIRST_YEAR <= scenario.run.start.year <= LAST_YEAR:
        problems.append(("run.start", f"must lie between the years {FIRST_YEAR} and {LAST_YEAR}"))
    name_problem = folder_name_problem(scenario.name, MAX_NAME_BYTES)
    if name_problem is not None:
        problems.append(("name", name_problem))
    if problems:
        raise ScenarioError(problems)
    return scenario.model_copy(
        update={
            "run": scenario.run.model_copy(update={"start": scenario.run.start.astimezone(UTC)})
        }
    )


def plain(data: dict[str, Any]) -> dict[str, Any]:
    """A JSON-able deep copy: TOML datetimes become ISO strings (pydantic parses them back)."""

    def default(value: Any) -> str:
        if isinstance(value, datetime | date | time):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not a scenario value")

    copied: dict[str, Any] = json.loads(json.dumps(data, default=default))
    return copied


def _read_toml(path: Path, key: str) -> dict[str, Any]:
    try:
        return plain(tomllib.loads(read_text_file(path)))
    except UnreadableFile as exc:
        raise ScenarioError([(key, str(exc))]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([(key, f"{path} is not valid TOML: {exc}")]) from None


def read_scenario_data(path: Path) -> dict[str, Any]:
    """The file's mapping, JSON-able, so it can be hashed, sent to workers and overridden.

    `policy.file` names a policy file (relative to the scenario; app/sim/scenario_policy.py);
    its content is inlined here, so the scenario hash covers the policy actually run. A
    `policy.name` naming a policy file is kept as written (the hash and the outputs do not
    depend on the folder): pass the scenario's folder to `parse_scenario` and
    `load_scenario_policy`, which read it from there.
    """
    data = _read_toml(path, "file")
    policy = data.get("policy")
    if isinstance(policy, dict) and "file" in policy:
        file = path.parent / str(policy.pop("file"))
        problems = inline_policy_file(policy, _read_toml(file, "policy.file"), file)
        if problems:
            raise ScenarioError(problems)
    return data


def load_scenario(path: Path) -> Scenario:
    return parse_scenario(read_scenario_data(path), path.parent)


def with_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `data` with dotted keys (`resident_behaviour.subscription_rate`) set."""
    out = plain(data)
    for dotted, value in overrides.items():
        node = out
        parts = dotted.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return out
