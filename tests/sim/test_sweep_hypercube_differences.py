"""A Latin-hypercube sweep over several policies draws point_differences.png, as a grid does:
each policy's per-point paired difference from the baseline against each parameter, with its
95% interval and a line at 0; listed in the manifest and the report, the same bytes each run,
and drawn from the same cells as point_differences.csv."""

from __future__ import annotations

import base64
import csv
import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.container import ErrorbarContainer

from app.sim.sweep import SUMMARY_COLUMNS, load_sweep, run_rows, run_sweep
from app.sim.sweep_difference_plot import hypercube_differences_figure
from app.sim.sweep_differences import (
    as_point_rows,
    difference_column,
    difference_half_width_column,
    point_differences,
)
from app.sim.sweep_summary import KEY_METRICS
from tests.sim.test_sweep import write_sweep

HYPERCUBE = """
method = "latin-hypercube"
samples = 3
seed = 1
replications = 2
policies = ["ring-2019", "privacy-by-design"]
[parameters]
"resident_behaviour.subscription_rate" = { low = 0.3, high = 0.9 }
"""
KEY = "resident_behaviour.subscription_rate"


def test_the_figure_is_written_listed_embedded_and_reproducible(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path, HYPERCUBE))
    first, second = tmp_path / "first", tmp_path / "second"
    run_sweep(sweep, first)
    run_sweep(sweep, second, jobs=2)
    png = (first / "point_differences.png").read_bytes()
    assert png == (second / "point_differences.png").read_bytes()
    outputs = json.loads((first / "manifest.json").read_text())["outputs"]
    assert "point_differences.png" in outputs
    report = (first / "report.html").read_text()
    differences = report.index("Differences from ring-2019")
    assert report.index(base64.b64encode(png).decode()) > differences


def test_the_figure_draws_the_tables_cells(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path, HYPERCUBE))
    out = tmp_path / "out"
    outcomes = run_sweep(sweep, out)
    with (out / "point_differences.csv").open() as handle:
        table = [row for row in csv.DictReader(handle) if row["policy"] == "privacy-by-design"]
    assert len(table) == 3
    found = point_differences(run_rows(sweep, outcomes), [KEY], SUMMARY_COLUMNS, "ring-2019")
    fig = hypercube_differences_figure(
        [KEY], KEY_METRICS, as_point_rows(found, KEY_METRICS), "ring-2019"
    )
    try:
        for ax, metric in zip(fig.axes, KEY_METRICS, strict=True):
            assert metric.replace("_", " ") in ax.get_title()
            assert any(list(line.get_ydata()) == [0.0, 0.0] for line in ax.lines)  # the 0 line
            (bars,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
            xs, ys = bars.lines[0].get_data()
            drawn = sorted(zip(xs, ys, strict=True))
            rows = sorted(table, key=lambda r: float(r[KEY]))
            for (x, y), row in zip(drawn, rows, strict=True):
                assert x == pytest.approx(float(row[KEY]), abs=0.01)  # nudged by at most 1%
                assert y == pytest.approx(float(row[difference_column(metric)]))
            (segments,) = bars.lines[2]
            halves = sorted(
                ((s[0][0], (s[1][1] - s[0][1]) / 2) for s in segments.get_segments()),
            )
            for (_, half), row in zip(halves, rows, strict=True):
                expected = float(row[difference_half_width_column(metric)])
                assert half == pytest.approx(expected if math.isfinite(expected) else 0.0)
    finally:
        plt.close(fig)
