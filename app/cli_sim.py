"""The simulation's commands: simulate, compare, sweep (registered on the main CLI)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli_console import error_text, plain_console

# A hash or a path stays on one line, piped too. No markup: what is printed holds the user's
# paths and names, and rich read "runs/[study]" as a style (printing "runs/") and "[/x]" as a
# closing tag (a MarkupError after the run had finished).
err = plain_console(stderr=True, soft_wrap=True)
out = plain_console(soft_wrap=True)


def _error(line: str) -> None:
    err.print(error_text(line))


def _wide(width: int) -> Console:
    """Where a wide table is printed: piped into a file, it gets room for every column instead
    of 80 characters."""
    return out if out.is_terminal else Console(width=width, markup=False)


ScenarioArg = Annotated[Path, typer.Argument(help="scenario TOML file (see scenarios/)")]


def _out_option(default: str) -> Any:
    # Each command's own default folder: they differ (tests/sim/test_cli_out_defaults.py).
    option: Any = typer.Option("--out", help=f"output directory (default {default})")
    return option


SimulateOut = Annotated[Path | None, _out_option("runs/<scenario name>")]
CompareOut = Annotated[Path | None, _out_option("runs/<scenario name>-compare")]
SweepOut = Annotated[Path | None, _out_option("runs/<sweep file's stem>")]
JobsOption = Annotated[
    int, typer.Option("--jobs", min=1, max=64, help="parallel processes (default: 1)")
]


def _fail(problems: list[tuple[str, str]]) -> typer.Exit:
    for key, reason in problems:
        _error(f"{key}: {reason}")
    return typer.Exit(2)


def _check_out(target: Path) -> None:
    """Refuse an output folder that cannot be made before the runs, not after them: a file in
    the way used to surface as a traceback once a long simulation had finished."""
    from app.files import folder_problem

    problem = folder_problem(target)
    if problem is not None:
        raise _fail([("--out", str(problem))])


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def simulate(
    scenario: ScenarioArg,
    out_dir: SimulateOut = None,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="also write a SQLite database that `consentgate serve` serves"),
    ] = None,
    policy: Annotated[str | None, typer.Option(help="override the scenario's policy")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="override the scenario's seed")] = None,
) -> None:
    """Run one scenario and write its weekly and summary tables, plot and manifest."""
    from app.files import os_error_text
    from app.policies.registry import PolicyNotFound, load_policy
    from app.sim.engine import RunResult
    from app.sim.run import simulate as run_one
    from app.sim.run_report import summary_table, write_run_outputs
    from app.sim.scenario import ScenarioError, load_scenario, load_scenario_policy
    from app.sim.store import DatabaseExists

    try:
        spec = load_scenario(scenario)
        # --policy is typed here: relative to the current folder; the scenario's own policy
        # file is read beside the scenario. An empty --policy is refused, not taken for none.
        chosen = (
            load_policy(policy)
            if policy is not None
            else load_scenario_policy(spec.policy, scenario.parent)
        )
    except ScenarioError as exc:
        raise _fail(exc.problems) from None
    except PolicyNotFound as exc:
        raise _fail([("--policy", str(exc))]) from None
    target = out_dir or Path("runs") / spec.name
    _check_out(target)
    # The database is part of the run's outputs: it takes its name last, once the others are
    # written, so that after any failure the same command can simply be run again.
    gone = f"; the unfinished database {db} was removed" if db is not None else ""

    def outputs(result: RunResult) -> None:
        try:
            write_run_outputs(target, spec, chosen, result)
        except OSError as exc:  # the folder was checked; a full disk or a quota remains
            _error(f"--out: {target}: cannot be written ({os_error_text(exc)}){gone}")
            raise typer.Exit(1) from None  # not a usage error: the same command may work

    try:
        result = run_one(spec, policy=chosen, seed=seed, db_path=db, outputs=outputs)
    except DatabaseExists as exc:
        raise _fail([("--db", str(exc))]) from None
    except KeyboardInterrupt:
        err.print(f"interrupted{gone}")
        raise typer.Exit(130) from None
    out.print(summary_table(result, spec, chosen))
    out.print(f"audit log: {result.audit_entries} entries, head {result.audit_head}")
    out.print(f"outputs in {target}")
    if db is not None:
        serve = f"consentgate serve --db {db} --policy {chosen.name} --tick-seconds 0"
        out.print(f"database: {db}  (serve it unchanged: {serve})")


def compare(
    scenario: ScenarioArg,
    policies: Annotated[
        str,
        typer.Option(help="comma-separated: preset names, policy .toml files or module:ATTRIBUTE"),
    ],
    replications: Annotated[int, typer.Option(min=1, max=1000)] = 5,
    out_dir: CompareOut = None,
    jobs: JobsOption = 1,
    baseline: Annotated[
        str | None,
        typer.Option(help="the policy the others are compared with, pair by pair (default: first)"),
    ] = None,
) -> None:
    """Run every policy on the same city and seeds; print means with 95% intervals, then each
    policy's paired difference from the baseline."""
    from app.policies.registry import PolicyNotFound, load_policy
    from app.sim.compare import compare as run_compare
    from app.sim.compare import shared_folder
    from app.sim.compare_tables import differences_table, means_table
    from app.sim.scenario import ScenarioError, load_scenario, read_scenario_data

    names = [p.strip() for p in policies.split(",") if p.strip()]
    if not names:
        raise _fail([("--policies", "name at least one policy")])
    if len(set(names)) != len(names):
        raise _fail([("--policies", "a policy is listed twice")])
    shared = shared_folder(names)
    if shared is not None:
        raise _fail([("--policies", f"{shared}; name one of them otherwise")])
    try:
        spec = load_scenario(scenario)
        data = read_scenario_data(scenario)
        for name in names:
            load_policy(name)
    except ScenarioError as exc:
        raise _fail(exc.problems) from None
    except PolicyNotFound as exc:
        raise _fail([("--policies", str(exc))]) from None
    chosen = baseline.strip() if baseline is not None else names[0]
    if chosen not in names:
        try:
            load_policy(chosen)
        except PolicyNotFound as exc:
            raise _fail([("--baseline", str(exc))]) from None
        # Known, but not run here: a paired difference needs it on the same seeds.
        reason = f"{chosen!r} is not one of --policies ({', '.join(names)}); add it there"
        raise _fail([("--baseline", reason)])
    target = out_dir or Path("runs") / f"{spec.name}-compare"
    _check_out(target)
    with _progress() as bar:
        task = bar.add_task("runs", total=len(names) * replications)
        result = run_compare(
            spec,
            data,
            names,
            replications=replications,
            out=target,
            jobs=jobs,
            on_done=lambda _t, _reused: bar.advance(task),
            baseline=chosen,
            scenario_folder=scenario.parent,
        )
    title = f"{spec.name}: {replications} replication(s), mean ± 95% half-width"
    console = _wide(60 + 28 * len(result.policies))
    console.print(means_table(result, title))
    if result.differences.policies:
        console.print(differences_table(result, replications))
    out.print(f"report: {target / 'report.html'}  tables: {target / 'compare.csv'}")
    if result.differences.policies:  # one policy alone has nothing to differ from
        out.print(f"differences from {result.differences.baseline}: {target / 'differences.csv'}")


def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="sweep TOML file (see scenarios/)")],
    out_dir: SweepOut = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", min=1, max=64, help="processes (default: cores)")
    ] = None,
) -> None:
    """Run a grid or Latin hypercube of parameters; rerun the same command to resume."""
    from app.sim.scenario import ScenarioError
    from app.sim.sweep import (
        SUMMARY_COLUMNS,
        baseline_of,
        claim_output,
        load_sweep,
        point_summaries,
        run_sweep,
        sweep_tasks,
    )
    from app.sim.sweep_display import points_table

    target = out_dir or Path("runs") / sweep_file.stem
    try:
        spec = load_sweep(sweep_file)
        claim_output(spec, target)  # before the progress bar: another sweep's folder is refused
    except ScenarioError as exc:
        raise _fail(exc.problems) from None
    total = len(sweep_tasks(spec, target))
    reused = 0
    with _progress() as bar:
        task = bar.add_task("sweep", total=total)

        def done(_task: object, was_reused: bool) -> None:
            nonlocal reused
            reused += was_reused
            bar.advance(task)

        try:
            outcomes = run_sweep(spec, target, jobs=jobs or os.cpu_count() or 1, on_done=done)
        except KeyboardInterrupt:
            err.print("interrupted: finished runs are kept; run the same command to resume")
            raise typer.Exit(130) from None
    keys = sorted(spec.spec.parameters)
    table = points_table(point_summaries(spec, outcomes), keys, SUMMARY_COLUMNS)
    (out if out.is_terminal else Console(width=40 + 24 * len(table.columns), markup=False)).print(
        table
    )
    # Reused runs come from an earlier run of this sweep into this folder, finished or not.
    out.print(f"{total} runs ({reused} reused from an earlier run of this sweep)")
    out.print(f"report: {target / 'report.html'}  table: {target / 'sweep.csv'}")
    out.print(f"per point (mean, 95% half-width): {target / 'points.csv'}")
    baseline = baseline_of(spec.spec)
    if baseline is not None:
        out.print(
            f"per point, paired differences from {baseline}: {target / 'point_differences.csv'}"
        )


def register(cli: typer.Typer) -> None:
    for command in (simulate, compare, sweep):
        cli.command()(command)
