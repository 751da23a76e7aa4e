"""`consentgate simulate` shows its summary in the catalogue's groups, as compare does, with a
glossary in report.html; summary.csv keeps the engine's order (earlier manifests hash it)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli
from app.sim.metric_catalog import GROUPS, info, ordered
from tests.sim.test_compare_outputs import town


def test_the_summary_reads_by_group_with_a_glossary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["simulate", str(town(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with (out / "summary.csv").open() as f:
        engine_order = [row["metric"] for row in csv.DictReader(f)]
    assert engine_order != ordered(engine_order)  # else the order below would prove nothing
    # The terminal: group headings, then each group's metrics in catalogue order.
    lines = [line.strip("│ ").split("│")[0].strip() for line in result.output.splitlines()]
    shown = [line for line in lines if line in engine_order or line in GROUPS]
    expected: list[str] = []
    for metric in ordered(engine_order):
        if info(metric).group not in expected:
            expected.append(info(metric).group)
        expected.append(metric)
    assert shown == expected
    # The report: the same order, a heading row per group, and a definition for each metric.
    report = (out / "report.html").read_text()
    summary = report[report.index("<h2>Summary</h2>") : report.index("<h2>Week by week</h2>")]
    cells = re.findall(r"<tr><(?:td|th colspan=\"2\")>([^<]+)</", summary)
    assert cells == expected
    glossary = report[report.index("<h2>Glossary</h2>") :]
    assert info("share_rate").definition in glossary
    # Piped (CliRunner is no terminal), the head hash and the folder stay on their lines.
    assert re.search(r"^audit log: \d+ entries, head [0-9a-f]{64}$", result.output, re.M)
    assert f"outputs in {out}" in result.output.splitlines()
