"""Exact integer noise for the noisy portal map: the discrete Laplace (two-sided geometric).

Floating-point Laplace samplers leak through the pattern of representable doubles (Mironov,
"On Significance of the Least Significant Bits for Differential Privacy", CCS 2012). This
sampler uses only integer and rational arithmetic: Algorithms 1 and 2 of Canonne, Kamath and
Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020), the same construction
OpenDP and Google's differential-privacy library use for integer counts.

`rng` must offer `randrange`; the service seeds it from its cryptographic id source, a
simulation from its scenario seed, so a seeded run reproduces its noise exactly.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Protocol


class IntegerSource(Protocol):
    def randrange(self, stop: int, /) -> int: ...


def _bernoulli(p: Fraction, rng: IntegerSource) -> bool:
    """True with probability exactly p (0 <= p <= 1)."""
    return rng.randrange(p.denominator) < p.numerator


def bernoulli_exp_minus(gamma: Fraction, rng: IntegerSource) -> bool:
    """True with probability exactly exp(-gamma), gamma >= 0 rational (CKS 2020, Algorithm 1)."""
    if gamma < 0:
        raise ValueError("gamma must be non-negative")
    if gamma <= 1:
        k = 1
        while _bernoulli(gamma / k, rng):
            k += 1
        return k % 2 == 1
    whole = gamma.numerator // gamma.denominator
    for _ in range(whole):
        if not bernoulli_exp_minus(Fraction(1), rng):
            return False
    return bernoulli_exp_minus(gamma - whole, rng)


def discrete_laplace(scale: Fraction, rng: IntegerSource) -> int:
    """One integer X with P(X = x) proportional to exp(-|x| / scale) (CKS 2020, Algorithm 2)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    t, s = scale.numerator, scale.denominator  # scale = t / s
    while True:
        u = rng.randrange(t)
        if not bernoulli_exp_minus(Fraction(u, t), rng):
            continue
        v = 0
        while bernoulli_exp_minus(Fraction(1), rng):
            v += 1
        magnitude = (u + t * v) // s
        negative = rng.randrange(2) == 1
        if negative and magnitude == 0:
            continue  # otherwise zero would be drawn twice as often as it should
        return -magnitude if negative else magnitude


def laplace_scale(epsilon: float) -> Fraction:
    """The scale 1/epsilon for a count (sensitivity 1), as an exact fraction."""
    return 1 / Fraction(epsilon).limit_denominator(1000)
