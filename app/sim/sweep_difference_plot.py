"""A Latin-hypercube sweep's differences figure: each policy's per-point paired difference
from the baseline against each parameter, as points with their 95% intervals, around a line at
0. (A grid's figure draws lines through the grid's values, sweep_plots.grid_means_figure; a
hypercube's points rarely share a value, so a line would join unrelated points.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from app.sim.sweep_summary import half_width_column, mean_column

Row = Mapping[str, Any]


def hypercube_differences_figure(
    parameters: Sequence[str], metrics: Sequence[str], rows: Sequence[Row], baseline: str
) -> Figure:
    """One panel per (parameter, metric); `rows` are sweep_differences.as_point_rows: one per
    (point, non-baseline policy), the mean difference and its half-width. No bar is clipped: a
    difference may be negative. A point without a finite difference (no finite pair) is left
    out; one without an interval (one pair) is drawn without a bar. The policies at one point
    share its x: each is nudged sideways by a hair (1% of the parameter's range apart), or
    their bars would hide one another."""
    policies = list(dict.fromkeys(str(r["policy"]) for r in rows))
    fig, axes = plt.subplots(
        len(parameters),
        len(metrics),
        figsize=(4.2 * len(metrics), 3.2 * len(parameters)),
        squeeze=False,
    )
    for i, parameter in enumerate(parameters):
        values = [float(r[parameter]) for r in rows]
        span = (max(values) - min(values)) if values else 0.0
        nudge = {p: (k - (len(policies) - 1) / 2) * 0.01 * span for k, p in enumerate(policies)}
        for j, metric in enumerate(metrics):
            ax = axes[i][j]
            ax.axhline(0.0, color="0.4", linewidth=1)
            for k, policy in enumerate(policies):
                drawn = [
                    (
                        float(r[parameter]),
                        float(r[mean_column(metric)]),
                        r[half_width_column(metric)],
                    )
                    for r in rows
                    if r["policy"] == policy and math.isfinite(float(r[mean_column(metric)]))
                ]
                if not drawn:
                    continue
                xs, ys, halves = zip(*drawn, strict=True)
                xs = tuple(x + nudge[policy] for x in xs)
                bars = [float(h) if math.isfinite(float(h)) else 0.0 for h in halves]
                ax.errorbar(
                    xs,
                    ys,
                    yerr=bars,
                    fmt="o",
                    markersize=4,
                    color=f"C{k % 10}",
                    capsize=3,
                    linewidth=1,
                    label=policy,
                )
            ax.set_xlabel(parameter, fontsize=8)
            ax.set_title(f"{metric.replace('_', ' ')} minus {baseline}", fontsize=9)
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig
