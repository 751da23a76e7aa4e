"""Compare policies on the same city and seeds: means and 95% intervals, paired differences
from a baseline (differences.py), tables, plots, report.

Every policy runs on the same replications, whose seeds are spawned from the scenario seed, so
the city, the incidents and the residents' draws are common to all policies (common random
numbers): differences in the table come from the policies, not from luck.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.files import write_atomic
from app.policies.base import Policy
from app.policies.registry import load_policy
from app.sim.batch import Progress, RunOutcome, RunTask, run_tasks
from app.sim.compare_folder import prune_earlier_runs
from app.sim.compare_report import (
    clipped_bars,
    differences_section,
    glossary_section,
    grouped_rows,
    key_metrics_text,
)
from app.sim.difference_plot import differences_png
from app.sim.differences import COLUMNS as DIFFERENCE_COLUMNS
from app.sim.differences import TYPES as DIFFERENCE_TYPES
from app.sim.differences import Differences, paired_differences
from app.sim.intervals import Interval, interval, readable, rounded
from app.sim.metric_catalog import info, ordered
from app.sim.outputs import file_digests, manifest, write_json, write_table
from app.sim.plots import comparison_figure, png_bytes, weekly_figure
from app.sim.report import Section, render
from app.sim.scenario import Scenario
from app.sim.seeds import derive_seed

# The metrics drawn in the comparison figure (the table and the CSV hold every metric).
PLOTTED = (
    "notices_per_request",
    "share_rate",
    "clips_released_consent",
    "releases_without_consent",
    "residents_disclosed",
    "notices_per_1000_max_min_ratio",
)


def replication_seeds(scenario: Scenario, replications: int) -> list[int]:
    """Seeds spawned from the scenario seed; replication r is the same for every policy."""
    return [derive_seed(scenario.run.seed, "replication", r) for r in range(replications)]


def safe_name(label: str) -> str:
    """A directory name for a policy label (`module:ATTRIBUTE` has a colon)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", label)


def shared_folder(labels: Sequence[str]) -> str | None:
    """Why two of these policies would write into one run folder (`a/b.toml` and `a_b.toml`
    are both `a_b.toml`), the later's runs over the earlier's; None when each has its own."""
    seen: dict[str, str] = {}
    for label in labels:
        folder = safe_name(label)
        if folder in seen and seen[folder] != label:
            return f"{seen[folder]!r} and {label!r} would share the run folder {folder!r}"
        seen[folder] = label
    return None


def policy_label(spec: str | Policy) -> str:
    return spec if isinstance(spec, str) else spec.name


def resolve(spec: str | Policy) -> Policy:
    return load_policy(spec) if isinstance(spec, str) else spec


@dataclass
class Comparison:
    policies: list[str]
    metrics: list[str]  # by group, then catalogue order (app/sim/metric_catalog.py)
    cells: dict[tuple[str, str], Interval]
    outcomes: list[RunOutcome]
    differences: Differences

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "metric": m,
                "policy": p,
                "n": self.cells[(m, p)].n,
                "mean": rounded(self.cells[(m, p)].mean),
                "ci_low": rounded(self.cells[(m, p)].low),
                "ci_high": rounded(self.cells[(m, p)].high),
                "group": info(m).group,
            }
            for m in self.metrics
            for p in self.policies
        ]

    def display(self, metric: str, policy: str) -> str:
        cell = self.cells[(metric, policy)]
        mean = readable(cell.mean)
        return mean if math.isnan(cell.half_width) else f"{mean} ± {readable(cell.half_width)}"


def aggregate(
    policies: list[str], outcomes: list[RunOutcome], baseline: str | None = None
) -> Comparison:
    """Means per policy, and differences from `baseline` (default: the first policy)."""
    # Refusal codes appear only in the runs that met them: gather every key, then order them.
    metrics = ordered(k for outcome in outcomes for k in outcome.summary)
    cells = {}
    for p in policies:
        runs = [o.summary for o in outcomes if o.task.policy_label() == p]
        for m in metrics:
            cells[(m, p)] = interval([float(s.get(m, 0.0)) for s in runs])
    differences = paired_differences(baseline or policies[0], policies, metrics, outcomes)
    return Comparison(policies, metrics, cells, outcomes, differences)


def compare(
    scenario: Scenario,
    scenario_data: dict[str, Any],
    policies: Sequence[str | Policy],
    *,
    replications: int,
    out: Path,
    jobs: int = 1,
    on_done: Progress | None = None,
    baseline: str | None = None,
    scenario_folder: Path | None = None,
) -> Comparison:
    """Run every policy on the same seeds. A policy named by a relative file path is read from
    the current folder; the scenario's own `policy.name` from `scenario_folder` (its file's)."""
    labels = [policy_label(p) for p in policies]
    if len(set(labels)) != len(labels):
        raise ValueError("policies: a policy is listed twice")
    shared = shared_folder(labels)
    if shared is not None:
        raise ValueError(f"policies: {shared}; name one of them otherwise")
    if baseline is not None and baseline not in labels:
        raise ValueError(f"baseline: {baseline!r} is not one of the policies compared")
    seeds = replication_seeds(scenario, replications)
    tasks = [
        RunTask(
            out / "runs" / safe_name(label) / f"rep-{r:03d}",
            scenario_data,
            seed,
            spec,
            scenario_folder=scenario_folder,
        )
        for spec, label in zip(policies, labels, strict=True)
        for r, seed in enumerate(seeds)
    ]
    comparison = aggregate(labels, run_tasks(tasks, jobs=jobs, on_done=on_done), baseline)
    written = write_comparison(out, scenario, [resolve(p) for p in policies], seeds, comparison)
    prune_earlier_runs(out, (task.directory for task in tasks), written)
    return comparison


def mean_weekly(outcomes: list[RunOutcome], policy: str, column: str) -> list[float]:
    runs = [o.weekly for o in outcomes if o.task.policy_label() == policy]
    weeks = min(len(w) for w in runs)
    return [round(statistics.fmean(w[i][column] for w in runs), 6) for i in range(weeks)]


def cumulative(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += v
        out.append(round(total, 6))
    return out


def write_comparison(
    out: Path,
    scenario: Scenario,
    policies: list[Policy],
    seeds: list[int],
    comparison: Comparison,
) -> list[str]:
    """Write the tables, figures, report and manifest; returns the outputs' names."""
    columns = ["metric", "policy", "n", "mean", "ci_low", "ci_high", "group"]
    write_table(out, "compare", comparison.rows(), columns)
    differences = comparison.differences
    write_table(out, "differences", differences.rows(), DIFFERENCE_COLUMNS, DIFFERENCE_TYPES)
    plotted = [m for m in PLOTTED if m in comparison.metrics]
    means = {key: cell.mean for key, cell in comparison.cells.items()}
    halves = {key: cell.half_width for key, cell in comparison.cells.items()}
    floor = [m for m in plotted if info(m).non_negative]
    figure = png_bytes(comparison_figure(plotted, comparison.policies, means, halves, floor))
    clipped = clipped_bars(plotted, comparison.policies, means, halves)
    write_atomic(out / "compare.png", figure)
    # One policy alone has nothing to differ from: no figure, no section.
    difference_png = differences_png(differences, plotted) if differences.policies else None
    if difference_png is not None:
        write_atomic(out / "differences.png", difference_png)
    series: Callable[[str], dict[str, list[float]]] = lambda column: {  # noqa: E731
        p: cumulative(mean_weekly(comparison.outcomes, p, column)) for p in comparison.policies
    }
    released = series("clips_released_consent")
    weeks = list(range(len(next(iter(released.values()), []))))
    weekly_png = png_bytes(
        weekly_figure(
            "Clips released with consent, cumulative (mean of replications)",
            weeks,
            released,
            "clips",
        )
    )
    write_atomic(out / "weekly_releases.png", weekly_png)
    table_rows = grouped_rows(
        comparison.metrics, lambda m: [comparison.display(m, p) for p in comparison.policies]
    )
    report = render(
        f"consentgate: {scenario.name}, policies compared",
        f"{len(seeds)} replication(s) per policy on the same city and seeds; "
        f"mean ± half-width of the Student-t 95% interval. Scenario hash {scenario.digest()}.",
        [
            Section("Summary", columns=["metric", *comparison.policies], rows=table_rows),
            *(
                [differences_section(differences, len(seeds), difference_png)]
                if differences.policies
                else []
            ),
            Section(
                "Key metrics",
                text=key_metrics_text(clipped),
                images=[("comparison of key metrics", figure)],
            ),
            Section("Over the year", images=[("cumulative releases", weekly_png)]),
            glossary_section(comparison.metrics),
        ],
    )
    write_atomic(out / "report.html", report)
    names = [
        "compare.csv",
        "compare.parquet",
        "differences.csv",
        "differences.parquet",
        "compare.png",
        *(["differences.png"] if difference_png is not None else []),
        "weekly_releases.png",
        "report.html",
    ]
    outputs = file_digests(out, names)
    write_json(
        out / "manifest.json",
        manifest(scenario, policies, seeds, baseline=differences.baseline, outputs=outputs),
    )
    return names
