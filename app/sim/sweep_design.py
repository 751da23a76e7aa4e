"""A sweep file, read and checked, and the points it designs: a grid or a Latin hypercube.

A sweep file names a base scenario, the parameters to vary (dotted keys into the scenario, as
`resident_behaviour.subscription_rate`), the policies and the replications. Each point is
applied to the base scenario and validated like any scenario file before anything runs;
app/sim/sweep.py runs the points (and resumes an interrupted sweep).
"""

from __future__ import annotations

import itertools
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy.stats import qmc

from app.files import UnreadableFile, read_text_file
from app.policies.base import Policy
from app.policies.registry import PRESETS, PolicyNotFound, load_policy
from app.sim.compare import shared_folder
from app.sim.outputs import policy_identity
from app.sim.scenario import (
    Scenario,
    ScenarioError,
    key_path,
    parse_scenario,
    read_scenario_data,
    with_overrides,
)

# At a second or so a run, a day or more of computing: larger sweeps are split by hand.
MAX_RUNS = 100_000


class Bounds(BaseModel):
    # Strict, as scenarios are: a quoted number is refused, not converted.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)
    low: float
    high: float
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.high < self.low:
            raise ValueError("high must be at least low")
        return self


class SweepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    scenario: str
    method: Literal["grid", "latin-hypercube"] = "grid"
    samples: int = Field(default=10, ge=1, le=100_000)
    seed: int = Field(default=0, ge=0)
    replications: int = Field(default=1, ge=1, le=1000)
    policies: list[str] = []
    # With two policies or more: whose per-point differences the others are (default: the first).
    baseline: str | None = None
    # grid: key -> list of values; latin-hypercube: key -> {low, high, integer}
    parameters: dict[str, list[Any] | Bounds]


@dataclass(frozen=True)
class Sweep:
    spec: SweepSpec
    base: Scenario
    base_data: dict[str, Any]
    points: list[dict[str, Any]]
    # The policies it runs that a file or a module defines (not the presets, which are the
    # code's own), as read when the sweep was loaded: name -> name, version, parameter hash.
    policy_files: dict[str, dict[str, str]]
    # Where relative policy file paths are read from: `policies`' from the sweep file's folder,
    # the scenario's own `policy.name` (which a point may set) from the scenario file's.
    folder: Path
    scenario_folder: Path


def grid(parameters: dict[str, list[Any] | Bounds]) -> list[dict[str, Any]]:
    keys = sorted(parameters)
    values = []
    for key in keys:
        v = parameters[key]
        if not isinstance(v, list) or not v:
            raise ScenarioError([(f"parameters.{key}", "a grid needs a non-empty list of values")])
        values.append(v)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


def latin_hypercube(
    parameters: dict[str, list[Any] | Bounds], samples: int, seed: int
) -> list[dict[str, Any]]:
    keys = sorted(parameters)
    bounds = []
    for key in keys:
        b = parameters[key]
        if not isinstance(b, Bounds):
            raise ScenarioError([(f"parameters.{key}", "a Latin hypercube needs {low, high}")])
        bounds.append(b)
    unit = qmc.LatinHypercube(d=len(keys), seed=seed).random(samples)
    points = []
    for row in unit:
        point: dict[str, Any] = {}
        for key, b, u in zip(keys, bounds, row, strict=True):
            value = b.low + float(u) * (b.high - b.low)
            point[key] = round(value) if b.integer else round(value, 6)
        points.append(point)
    return points


def load_sweep(path: Path) -> Sweep:
    try:
        raw = tomllib.loads(read_text_file(path))
    except UnreadableFile as exc:
        raise ScenarioError([("file", str(exc))]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([("file", f"{path} is not valid TOML: {exc}")]) from None
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_spec_problems(exc, raw.get("method", "grid"))) from None
    if not spec.parameters:
        raise ScenarioError([("parameters", "name at least one parameter to vary")])
    _check_keys(spec)
    folder = path.parent.resolve()
    listed: dict[str, Policy] = {}  # each read once: checked here, recorded in policy_files
    for name in spec.policies:
        if name in listed:  # both would run into the same folders
            raise ScenarioError([("policies", f"{name!r} is listed twice")])
        try:
            listed[name] = load_policy(name, folder)
        except PolicyNotFound as exc:
            raise ScenarioError([("policies", str(exc))]) from None
    shared = shared_folder(spec.policies)
    if shared is not None:
        raise ScenarioError([("policies", f"{shared}; name one of them otherwise")])
    _check_baseline(spec)
    _check_size(spec)
    scenario_path = (folder / spec.scenario).resolve()
    base_data = read_scenario_data(scenario_path)
    base = parse_scenario(base_data, scenario_path.parent)
    points = (
        grid(spec.parameters)
        if spec.method == "grid"
        else latin_hypercube(spec.parameters, spec.samples, spec.seed)
    )
    # Without `policies`, each point runs its scenario's own policy, which a point may change.
    policy_names = set(spec.policies)
    for i, point in enumerate(points):
        try:
            scenario = parse_scenario(with_overrides(base_data, point), scenario_path.parent)
        except ScenarioError as exc:
            problems = [
                (f"point {i} {key}", _with_hint(spec, key, reason)) for key, reason in exc.problems
            ]
            raise ScenarioError(problems) from None
        if not spec.policies:
            policy_names.add(scenario.policy.name)
    policy_files = {
        name: policy_identity(listed.get(name) or load_policy(name, scenario_path.parent))
        for name in sorted(policy_names)
        if name not in PRESETS
    }
    data = with_overrides(base_data, {})
    return Sweep(spec, base, data, points, policy_files, folder, scenario_path.parent)


def _spec_problems(exc: ValidationError, method: object) -> list[tuple[str, str]]:
    """Pydantic's errors, keyed as the file is; a parameter's value is a list or bounds, and
    only the errors of the form the method takes are kept (not one per form tried)."""
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        if len(loc) > 2 and loc[0] == "parameters" and isinstance(loc[2], str):
            form = "grid" if loc[2].startswith("list[") else "bounds" if "Bounds" in loc[2] else ""
            if form:
                if form != ("grid" if method == "grid" else "bounds"):
                    continue
                del loc[2]
        problems.append((key_path(tuple(loc)), error["msg"]))
    return problems


def _check_keys(spec: SweepSpec) -> None:
    """A key with an empty part ("", ".", "a..b") names no scenario key: applied, it would make
    a key "" that the scenario refuses as an extra input, under a misleading name."""
    for key in sorted(spec.parameters):
        if "" in key.split("."):
            reason = (
                "an empty part: name a dotted key into the scenario, as "
                "resident_behaviour.subscription_rate"
            )
            raise ScenarioError([(f'parameters."{key}"', reason)])


def _with_hint(spec: SweepSpec, key: str, reason: str) -> str:
    """A Latin hypercube draws decimals; where a count refuses one, the validator's words (a
    scenario's or a policy parameter's) do not say that `integer = true` draws whole numbers."""
    bounds = spec.parameters.get(key)
    if isinstance(bounds, Bounds) and not bounds.integer and "valid int" in reason:
        return (
            f"{reason}: the Latin hypercube draws decimals; for whole numbers add "
            f'integer = true to its bounds ("{key}" = {{ low = ..., high = ..., integer = true }})'
        )
    return reason


def _check_size(spec: SweepSpec) -> None:
    """A sweep of millions of runs would spend minutes validating points, then never end."""
    if spec.method == "grid":
        unused = sorted({"samples", "seed"} & spec.model_fields_set)
        if unused:
            reason = "only a latin-hypercube sweep draws samples; a grid runs every combination"
            raise ScenarioError([(unused[0], reason)])
        points = math.prod(len(v) if isinstance(v, list) else 1 for v in spec.parameters.values())
    else:
        points = spec.samples
    runs = points * max(1, len(spec.policies)) * spec.replications
    if runs > MAX_RUNS:
        key = "parameters" if spec.method == "grid" else "samples"
        reason = (
            f"{runs:,} runs ({points:,} points x {max(1, len(spec.policies))} policies x "
            f"{spec.replications} replications); at most {MAX_RUNS:,}: split the sweep"
        )
        raise ScenarioError([(key, reason)])


def _check_baseline(spec: SweepSpec) -> None:
    if spec.baseline is None:
        return
    if len(spec.policies) < 2:
        raise ScenarioError([("baseline", "a baseline needs two policies or more in policies")])
    if spec.baseline not in spec.policies:
        listed = ", ".join(spec.policies)
        raise ScenarioError([("baseline", f"{spec.baseline!r} is not one of policies ({listed})")])


def baseline_of(spec: SweepSpec) -> str | None:
    """The policy the others are compared with, when there are two or more."""
    if len(spec.policies) < 2:
        return None
    return spec.baseline or spec.policies[0]
