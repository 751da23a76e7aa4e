"""The policy lab's run: a small scenario under two policies, through the simulation's own
`compare` (the same engine, city and seeds as `consentgate compare`)."""

from __future__ import annotations

import base64
import functools
import json
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from app.policies.base import Policy
from app.sim.metric_catalog import info
from app.sim.scenario import parse_scenario, read_scenario_data

# A toy city that runs in a few seconds: a page may wait that long, not for a calibrated year.
LAB_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "smalltown.toml"
LAB_REPLICATIONS = 2
LAB_METRICS = (
    "requests_filed",
    "notices_per_request",
    "share_rate",
    "clips_released_consent",
    "releases_without_consent",
    "identity_disclosures",
)


def lab_metrics(available: Sequence[str], means: Mapping[tuple[str, str], float]) -> list[str]:
    """LAB_METRICS, then every refusal code some policy met: a policy whose agencies are all
    refused (ring-2018 wants a promotion duty the town's police never signed) shows its zeros
    next to the rule that caused them, not as an unexplained row of 0 ± 0."""
    refused = [
        m
        for m in available
        if m.startswith("refused_") and any(v for (k, _), v in means.items() if k == m)
    ]
    return [m for m in (*LAB_METRICS, *refused) if m in available]


def scenario_summary(data: Mapping[str, Any]) -> str:
    """The lab's town in a phrase, read from its scenario file so the page cannot go stale."""
    areas = data.get("city", {}).get("neighborhoods", [])
    households = sum(int(n.get("households", 0)) for n in areas)
    agencies = len(data.get("agencies", []))
    days = data.get("run", {}).get("days", "?")
    return (
        f"{households} households in {len(areas)} neighbourhoods, "
        f"{agencies} police {'agency' if agencies == 1 else 'agencies'}, {days} days"
    )


@functools.cache
def lab_town() -> str:
    """The lab's town in a phrase, read once: the scenario ships with the code, and the lab's
    page would otherwise read and parse it at every visit. Empty if it is not installed."""
    return scenario_summary(read_scenario_data(LAB_SCENARIO)) if LAB_SCENARIO.exists() else ""


class LabBusy(Exception):
    """Another visitor's comparison is running; this one is refused rather than queued."""


# The lab is open to anyone without a token, and a run takes seconds of CPU: unguarded, a few
# visitors repeating `?run=1` kept both cores busy and, waiting in the thread pool, starved the
# API. A run is a pure function of the two policies (same scenario, same seeds), so each pair is
# computed once per process (at most presets x presets entries), and one run at a time.
_RUNS: dict[tuple[str, str], dict[str, Any]] = {}
_RUNNING = threading.Lock()


def _fingerprint(policy: Policy) -> str:
    return json.dumps([policy.name, policy.params.as_dict()], sort_keys=True, default=str)


def run_lab(left: Policy, right: Policy) -> dict[str, Any]:
    """The comparison for this pair: remembered, or computed now if no other run is going on."""
    key = (_fingerprint(left), _fingerprint(right))
    if key in _RUNS:
        return _RUNS[key]
    if not _RUNNING.acquire(blocking=False):
        raise LabBusy
    try:
        if key not in _RUNS:
            _RUNS[key] = _compute(left, right)
        return _RUNS[key]
    finally:
        _RUNNING.release()


def forget_runs() -> None:
    """Tests: start from no remembered run."""
    _RUNS.clear()


def _compute(left: Policy, right: Policy) -> dict[str, Any]:
    """The comparison table and plot the lab template shows."""
    # Imported on the first run, not with the app: they bring scipy, matplotlib and pyarrow,
    # half of `serve`'s start-up (1.5 of 3.1 s, python -X importtime) and of every worker's.
    from app.sim.compare import compare
    from app.sim.plots import comparison_figure, png_bytes

    data = read_scenario_data(LAB_SCENARIO)
    scenario = parse_scenario(data, LAB_SCENARIO.parent)
    with tempfile.TemporaryDirectory() as out:
        result = compare(
            scenario,
            data,
            [left, right],
            replications=LAB_REPLICATIONS,
            out=Path(out),
            scenario_folder=LAB_SCENARIO.parent,
        )
    means = {key: cell.mean for key, cell in result.cells.items()}
    halves = {key: cell.half_width for key, cell in result.cells.items()}
    metrics = lab_metrics(result.metrics, means)
    # A count's interval is drawn stopping at 0, as `consentgate compare` draws it.
    floor = [m for m in metrics if info(m).non_negative]
    figure = comparison_figure(metrics, result.policies, means, halves, floor)
    plot = base64.b64encode(png_bytes(figure)).decode()
    # Both policies ran on the same seeds: the paired difference is the fair comparison, and
    # its interval is narrower than the two side by side suggest (app/sim/differences.py).
    a, b = result.policies
    paired = result.differences.display
    return {
        "columns": [
            f"metric (mean ± 95%, {LAB_REPLICATIONS} runs)",
            *result.policies,
            f"{b} - {a} (paired; * excludes 0)",
        ],
        "rows": [
            {
                "key": m,
                "label": info(m).label,
                "definition": info(m).definition,
                "cells": [*(result.display(m, p) for p in result.policies), paired(m, b)],
            }
            for m in metrics
        ],
        "plot": f"data:image/png;base64,{plot}",
        "plot_alt": "Bars per policy with 95% intervals for: "
        + ", ".join(info(m).label for m in metrics),
    }
