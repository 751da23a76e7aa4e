"""Scenario files: TOML, validated before anything runs, every error naming its key.

A scenario is a synthetic city (neighborhoods), agencies with their partnerships, an incident
process, agency and resident behaviour, the policy, a duration and a seed. Its shape (the
models, their bounds and defaults) is app/sim/scenario_model.py; this module reads a file into
it and checks what a field's bounds cannot say.
"""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.clock import FIRST_YEAR, LAST_YEAR  # run.start: the years the service works in
from app.files import UnreadableFile, folder_name_problem, read_text_file
from app.policies.base import Policy, StandardPolicy
from app.policies.params import PolicyParameterError, PolicyParams
from app.policies.registry import PolicyNotFound, load_policy, preset_names
from app.sim.scenario_model import (
    MAX_HOUSEHOLDS,
    AgencyBehaviour,
    AgencySpec,
    City,
    Hours,
    Incidents,
    Metres,
    Minutes,
    Neighborhood,
    PolicySpec,
    Range,
    ResidentBehaviour,
    Run,
    Scenario,
    canonical_json,
)
from app.sim.scenario_policy import OVERRIDES, inline_policy_file

# The models live in app/sim/scenario_model.py; importing them from here works as it always did.
__all__ = [
    "AgencyBehaviour",
    "AgencySpec",
    "City",
    "Hours",
    "Incidents",
    "Metres",
    "Minutes",
    "Neighborhood",
    "PolicySpec",
    "Range",
    "ResidentBehaviour",
    "Run",
    "Scenario",
    "ScenarioError",
    "canonical_json",
    "key_path",
    "load_scenario",
    "load_scenario_policy",
    "parse_scenario",
    "plain",
    "read_scenario_data",
    "with_overrides",
]


class ScenarioError(ValueError):
    """The scenario is refused; `problems` lists (key, reason) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{key}: {reason}" for key, reason in problems))


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
