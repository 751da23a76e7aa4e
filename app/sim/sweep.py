"""Parameter sweeps: a grid or a Latin hypercube over scenario keys, run in parallel processes.

The sweep file and the points it designs are app/sim/sweep_design.py (importing them from here
works as it always did); this module runs each point's runs, reusing those an interrupted sweep
finished, and writes the tables, figures, report and manifest.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.files import write_atomic
from app.policies.registry import load_policy
from app.sim.batch import Progress, RunOutcome, RunTask, run_tasks
from app.sim.compare import replication_seeds, safe_name
from app.sim.outputs import file_digests, manifest, write_json, write_table
from app.sim.plots import png_bytes
from app.sim.scenario import with_overrides
from app.sim.sweep_design import (
    MAX_RUNS,
    Bounds,
    Sweep,
    SweepSpec,
    baseline_of,
    grid,
    latin_hypercube,
    load_sweep,
)
from app.sim.sweep_difference_plot import hypercube_differences_figure
from app.sim.sweep_differences import as_point_rows, difference_columns, point_differences
from app.sim.sweep_folder import claim_folder
from app.sim.sweep_plots import grid_means_figure, sweep_plot
from app.sim.sweep_report import sweep_report
from app.sim.sweep_summary import KEY_METRICS, point_columns, point_rows

__all__ = [
    "MAX_RUNS",
    "SUMMARY_COLUMNS",
    "Bounds",
    "Sweep",
    "SweepSpec",
    "baseline_of",
    "claim_output",
    "grid",
    "latin_hypercube",
    "load_sweep",
    "point_summaries",
    "run_rows",
    "run_sweep",
    "sweep_tasks",
]


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
