"""The paired differences from the baseline as a figure: one panel per key metric, one row per
policy, its mean difference as a dot and its 95% interval as a bar, against a line at 0.

A bar that crosses the line is a difference the replications do not settle; a bar clear of it
is the `*` of the differences table. Drawn from `Differences` (differences.py), so the figure
and differences.csv hold the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from app.sim.differences import Differences
from app.sim.plots import png_bytes


def differences_figure(differences: Differences, metrics: Sequence[str]) -> Figure:
    d = differences
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    height = 1.4 + 0.45 * len(d.policies)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, height * rows), squeeze=False)
    ys = list(range(len(d.policies)))
    for i, metric in enumerate(metrics):
        ax = axes[i // cols][i % cols]
        ax.axvline(0.0, color="0.4", linewidth=1)
        for y, policy in zip(ys, d.policies, strict=True):
            colour = f"C{(y + 1) % 10}"  # the policy's colour in compare.png (the baseline is C0)
            cell = d.cells[(metric, policy)]
            found = cell.finite
            if found is not None and cell.used < cell.pairs:
                # As the table says it: a mean over some replications only.
                ax.annotate(
                    f"{cell.used} of {cell.pairs} pairs",
                    (found.mean, y),
                    xytext=(0, 6),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                )
            if found is None:
                # No replication had a finite value on both sides: nothing to place on the axis.
                ax.annotate("n/a", (0.5, y), xycoords=("axes fraction", "data"), ha="center")
                continue
            if math.isnan(found.half_width):  # one pair: a dot, no interval
                ax.plot([found.mean], [y], "o", color=colour)
                continue
            ax.errorbar(
                [found.mean],
                [y],
                xerr=[[found.mean - found.low], [found.high - found.mean]],
                fmt="o",
                color=colour,
                capsize=4,
            )
        ax.set_yticks(ys, list(d.policies), fontsize=8)
        ax.set_ylim(-0.6, len(d.policies) - 0.4)
        ax.invert_yaxis()  # the first policy on top, as in the tables
        ax.set_title(f"{metric.replace('_', ' ')}: minus {d.baseline}", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    for j in range(len(metrics), rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.tight_layout()
    return fig


def differences_png(differences: Differences, metrics: Sequence[str]) -> bytes:
    return png_bytes(differences_figure(differences, metrics))
