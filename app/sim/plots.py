"""PNG plots with matplotlib's Agg backend, byte-identical for the same data.

Agg draws the same pixels for the same inputs; what could differ between runs is the PNG's
metadata (matplotlib writes its version as "Software"), so every figure is saved with fixed
metadata.
"""

from __future__ import annotations

import io
import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import PurePath

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

FIXED_METADATA = {"Software": "consentgate", "Title": None, "Author": None}


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata=FIXED_METADATA)
    plt.close(fig)
    return buffer.getvalue()


def lower_error(mean: float, half_width: float, non_negative: bool) -> float:
    """How far below its mean an error bar is drawn: the half-width, except that a metric that
    cannot be negative (a count) is drawn no lower than 0. Display only: the tables keep the
    real interval."""
    return min(half_width, max(mean, 0.0)) if non_negative else half_width


def weekly_figure(
    title: str, weeks: Sequence[int], series: Mapping[str, Sequence[float]], ylabel: str
) -> Figure:
    fig, ax = plt.subplots(figsize=(8, 4))
    for label, values in series.items():
        ax.plot(weeks, values, label=label, linewidth=1.5)
    ax.set_title(title)
    ax.set_xlabel("simulated week")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def comparison_figure(
    metrics: Sequence[str],
    policies: Sequence[str],
    means: dict[tuple[str, str], float],
    half_widths: dict[tuple[str, str], float],
    non_negative: Collection[str] = (),
) -> Figure:
    """One panel per metric: a bar per policy with its 95% interval. For a metric in
    `non_negative` an interval reaching below 0 is drawn stopping at 0: a count cannot be
    negative (display only; the caller says so and keeps the real interval)."""
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    colours = [f"C{j}" for j in range(10)]  # matplotlib's default colour cycle
    ticks = tick_labels(policies)
    for i, metric in enumerate(metrics):
        ax = axes[i // cols][i % cols]
        values = [_finite(means[(metric, p)]) for p in policies]
        errors = [_finite(half_widths[(metric, p)]) for p in policies]
        floor = metric in non_negative
        lower = [lower_error(v, e, floor) for v, e in zip(values, errors, strict=True)]
        ax.bar(
            range(len(policies)),
            values,
            yerr=[lower, errors],
            capsize=4,
            color=[colours[j % len(colours)] for j in range(len(policies))],
        )
        for j, p in enumerate(policies):
            # An infinite mean (a max/min ratio where a group got none) has no bar to draw: say
            # so on the axis, or an empty slot reads as zero.
            if not math.isfinite(means[(metric, p)]):
                ax.annotate(
                    "∞" if means[(metric, p)] > 0 else "n/a",
                    (j, 0),
                    ha="center",
                    va="bottom",
                    fontsize=14,
                )
        ax.set_xticks(range(len(policies)), ticks, rotation=20, ha="right", fontsize=8)
        ax.set_title(metric.replace("_", " "), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    for j in range(len(metrics), rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.tight_layout()
    return fig


# Longer tick labels than this leave a panel no width (tight_layout gives up, with a warning).
MAX_TICK = 28


def tick_labels(policies: Sequence[str]) -> list[str]:
    """Policies as the bars' labels: a policy file by its file name (`--policies` may name it
    by a long path), anything longer than MAX_TICK shortened to its end, and the whole text
    kept, shortened the same way, where two file names would read alike. The tables keep the
    names as given."""
    short = [PurePath(p).name if p.endswith(".toml") else p for p in policies]
    if len(set(short)) < len(short):
        short = list(policies)
    return [s if len(s) <= MAX_TICK else "…" + s[-(MAX_TICK - 1) :] for s in short]


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def sweep_figure(
    parameters: Sequence[str], metrics: Sequence[str], rows: Sequence[Mapping[str, object]]
) -> Figure:
    """One panel per (parameter, metric): every run as a point, coloured by policy."""
    policies = sorted({str(r["policy"]) for r in rows})
    fig, axes = plt.subplots(
        len(parameters),
        len(metrics),
        figsize=(4.2 * len(metrics), 3.0 * len(parameters)),
        squeeze=False,
    )
    for i, parameter in enumerate(parameters):
        for j, metric in enumerate(metrics):
            ax = axes[i][j]
            for k, policy in enumerate(policies):
                mine = [r for r in rows if r["policy"] == policy]
                ax.scatter(
                    [_as_float(r[parameter]) for r in mine],
                    [_as_float(r[metric]) for r in mine],
                    s=14,
                    color=f"C{k % 10}",
                    label=policy,
                )
            ax.set_xlabel(parameter, fontsize=8)
            ax.set_title(metric.replace("_", " "), fontsize=9)
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def _as_float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else math.nan
