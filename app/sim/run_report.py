"""One run's plot, report and terminal table (`consentgate simulate`): the summary in the
metric catalogue's groups, as compare shows it, with the glossary. summary.csv keeps the
engine's order: its bytes are pinned by earlier runs' manifests."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from app.files import write_atomic
from app.policies.base import Policy
from app.sim.compare_report import glossary_section, grouped_rows
from app.sim.compare_tables import add_grouped_rows
from app.sim.engine import RunResult
from app.sim.metric_catalog import ordered
from app.sim.outputs import write_run
from app.sim.plots import png_bytes, weekly_figure
from app.sim.report import Section, render
from app.sim.scenario import Scenario


def value_text(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def write_run_outputs(target: Path, scenario: Scenario, policy: Policy, result: RunResult) -> None:
    """weekly.png and report.html, then the tables and the manifest (write_run)."""
    weeks = [row["week"] for row in result.weekly]
    series = {k: [row[k] for row in result.weekly] for k in ("notices", "shares", "declines")}
    figure = png_bytes(
        weekly_figure(f"{scenario.name}: notices and answers", weeks, series, "per week")
    )
    write_atomic(target / "weekly.png", figure)
    metrics = ordered(result.summary)
    report = render(
        f"consentgate: {scenario.name} under {policy.name}",
        f"Seed {result.seed}; scenario hash {scenario.digest()}; audit log of "
        f"{result.audit_entries} entries, head {result.audit_head}.",
        [
            Section(
                "Summary",
                columns=["metric", "value"],
                rows=grouped_rows(metrics, lambda m: [value_text(result.summary[m])]),
            ),
            Section("Week by week", images=[("notices and answers per week", figure)]),
            glossary_section(metrics),
        ],
    )
    write_atomic(target / "report.html", report)
    write_run(target, result, scenario, policy, extra=["weekly.png", "report.html"])


def summary_table(result: RunResult, scenario: Scenario, policy: Policy) -> Table:
    table = Table(title=f"{scenario.name} under {policy.name}, seed {result.seed}")
    table.add_column("metric", no_wrap=True)
    table.add_column("value", justify="right")
    metrics = ordered(result.summary)
    return add_grouped_rows(table, metrics, 1, lambda m: [value_text(result.summary[m])])
