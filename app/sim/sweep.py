"""Parameter sweeps: a grid or a Latin hypercube over scenario keys, run in parallel processes.

A sweep file names a base scenario, the parameters to vary (dotted keys into the scenario, as
`resident_behaviour.subscription_rate`), the policies and the replications. Each point is
applied to the base scenario and validated like any scenario file before anything runs.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy.stats import qmc

from app.files import UnreadableFile, read_text_file, write_atomic
from app.policies.base import Policy
from app.policies.registry import PRESETS, PolicyNotFound, load_policy
from app.sim.batch import Progress, RunOutcome, RunTask, run_tasks
from app.sim.compare import replication_seeds, safe_name, shared_folder
from app.sim.outputs import file_digests, manifest, policy_identity, write_json, write_table
from app.sim.plots import png_bytes
from app.sim.scenario import (
    Scenario,
    ScenarioError,
    key_path,
    parse_scenario,
    read_scenario_data,
    with_overrides,
)
from app.sim.sweep_difference_plot import hypercube_differences_figure
from app.sim.sweep_differences import as_point_rows, difference_columns, point_differences
from app.sim.sweep_folder import claim_folder
from app.sim.sweep_plots import grid_means_figure, sweep_plot
from app.sim.sweep_report import sweep_report
from app.sim.sweep_summary import KEY_METRICS, point_columns, point_rows

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


def sweep_tasks(sweep: Sweep, out: Path) -> list[RunTask]:
    policies: Sequence[str | None] = sweep.spec.policies or [None]
    seeds = replication_seeds(sweep.base, sweep.spec.replications)
    tasks = []
    for i, point in enumerate(sweep.points):
        data = with_overrides(sweep.base_data, point)
        for policy in policies:
            label = safe_name(policy or "scenario-policy")
            for r, seed in enumerate(seeds):
                labels = {"point": i, "replication": r, **point}
                directory = out / "runs" / f"point-{i:04d}" / label / f"rep-{r:03d}"
                task = RunTask(
                    directory, data, seed, policy, labels, sweep.folder, sweep.scenario_folder
                )
                tasks.append(task)
    return tasks


SUMMARY_COLUMNS = (
    "requests_filed",
    "notices",
    "shares",
    "share_rate",
    "clips_released_consent",
    "releases_without_consent",
    "residents_disclosed",
    "area_within_reach",
    "notices_per_1000_max_min_ratio",
)


def run_rows(sweep: Sweep, outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """One row per run, in task order: sweep.csv."""
    keys = sorted(sweep.spec.parameters)
    rows = []
    for o in outcomes:
        row: dict[str, Any] = {
            "point": o.task.labels["point"],
            "policy": o.task.policy_label(),
            "replication": o.task.labels["replication"],
            "seed": o.task.seed,
        }
        row.update({k: o.task.labels[k] for k in keys})
        row.update({c: o.summary.get(c, 0) for c in SUMMARY_COLUMNS})
        rows.append(row)
    return rows


def point_summaries(sweep: Sweep, outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """One row per (point, policy): points.csv."""
    keys = sorted(sweep.spec.parameters)
    return point_rows(run_rows(sweep, outcomes), keys, SUMMARY_COLUMNS)


def claim_output(sweep: Sweep, out: Path) -> None:
    """`out` holds this sweep (or nothing yet); another sweep's folder is refused."""
    claim_folder(out, sweep.spec.model_dump(mode="json"), sweep.base.digest(), sweep.policy_files)


def run_sweep(
    sweep: Sweep, out: Path, *, jobs: int = 1, on_done: Progress | None = None
) -> list[RunOutcome]:
    claim_output(sweep, out)
    tasks = sweep_tasks(sweep, out)
    outcomes = run_tasks(tasks, jobs=jobs, on_done=on_done)
    keys = sorted(sweep.spec.parameters)
    # Both tables come from the finished runs in task order, never from the order in which runs
    # completed: a resumed or parallel sweep writes the same bytes as a serial one.
    rows = run_rows(sweep, outcomes)
    points = point_rows(rows, keys, SUMMARY_COLUMNS)
    columns = ["point", "policy", "replication", "seed", *keys, *SUMMARY_COLUMNS]
    write_table(out, "sweep", rows, columns)
    write_table(out, "points", points, point_columns(keys, SUMMARY_COLUMNS))
    baseline = baseline_of(sweep.spec)
    differences = (
        point_differences(rows, keys, SUMMARY_COLUMNS, baseline) if baseline is not None else []
    )
    outputs = ["sweep.csv", "sweep.parquet", "points.csv", "points.parquet", "sweep.png"]
    if differences:
        difference_rows = [d.row(SUMMARY_COLUMNS) for d in differences]
        columns = difference_columns(keys, SUMMARY_COLUMNS)
        write_table(out, "point_differences", difference_rows, columns)
        outputs += ["point_differences.csv", "point_differences.parquet"]
    figure = png_bytes(sweep_plot(sweep.spec.method, keys, KEY_METRICS, rows, points))
    # The gaps against each parameter: lines through a grid's values; a hypercube's points
    # rarely share a value, so there each point stands alone.
    gaps = None
    if differences and baseline is not None:
        shaped = as_point_rows(differences, KEY_METRICS)
        gaps = png_bytes(
            grid_means_figure(keys, KEY_METRICS, shaped, differences_from=baseline)
            if sweep.spec.method == "grid"
            else hypercube_differences_figure(keys, KEY_METRICS, shaped, baseline)
        )
        write_atomic(out / "point_differences.png", gaps)
        outputs.append("point_differences.png")
    write_atomic(out / "sweep.png", figure)
    report = sweep_report(
        f"consentgate sweep over {sweep.base.name}",
        f"{len(sweep.points)} point(s) by {sweep.spec.method}, {sweep.spec.replications} "
        f"replication(s) each. Scenario hash {sweep.base.digest()}.",
        sweep.spec.method,
        keys,
        SUMMARY_COLUMNS,
        rows,
        points,
        figure,
        differences,
        gaps,
    )
    write_atomic(out / "report.html", report)
    policies = [load_policy(p, sweep.folder) for p in sweep.spec.policies]
    write_json(
        out / "manifest.json",
        manifest(
            sweep.base,
            policies,
            replication_seeds(sweep.base, sweep.spec.replications),
            sweep=sweep.spec.model_dump(mode="json"),
            outputs=file_digests(out, [*outputs, "report.html"]),
        ),
    )
    return outcomes
