"""Student-t 95% intervals over replications, and the short number form tables print.

Kept apart from compare.py so the per-policy means and the paired differences from a baseline
(differences.py) share one definition of the interval.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class Interval:
    n: int
    mean: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2 if math.isfinite(self.high - self.low) else math.nan


def interval(values: Sequence[float]) -> Interval:
    """Mean and Student-t 95% interval; with one replication the interval is unknown (nan)."""
    n = len(values)
    mean = statistics.fmean(values)
    if n < 2 or not all(math.isfinite(v) for v in values):
        return Interval(n, mean, math.nan, math.nan)
    half = float(stats.t.ppf(0.975, n - 1)) * statistics.stdev(values) / math.sqrt(n)
    return Interval(n, mean, mean - half, mean + half)


def rounded(value: float) -> float:
    """Six decimals for the tables; inf and nan as they are."""
    return round(value, 6) if math.isfinite(value) else value


def readable(value: float) -> str:
    """Three significant digits, no exponent for counts: 9,388 rather than 9.4e+03."""
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"
