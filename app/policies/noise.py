"""Exact integer noise for the noisy portal map: the discrete Laplace (two-sided geometric).

Floating-point Laplace samplers leak through the pattern of representable doubles (Mironov,
"On Significance of the Least Significant Bits for Differential Privacy", CCS 2012). This
sampler uses only integer and rational arithmetic: Algorithms 1 and 2 of Canonne, Kamath and
Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020), the same construction
OpenDP and Google's differential-privacy library use for integer counts.

The uniform integers come from `KeyedStream`: SHA-256 in counter mode under a 128-bit key.
The service keys it from its cryptographic id source, a simulation from its seeded one, so a
seeded run reproduces its noise exactly and nobody without the key can predict it.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from typing import Protocol


class IntegerSource(Protocol):
    def randrange(self, stop: int, /) -> int: ...


class KeyedStream:
    """Uniform integers from SHA-256(key || counter): deterministic given the key."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._counter = 0
        self._buffer = b""

    def _take(self, n: int) -> bytes:
        while len(self._buffer) < n:
            block = self._key + self._counter.to_bytes(8, "big")
            self._buffer += hashlib.sha256(block).digest()
            self._counter += 1
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def randrange(self, stop: int, /) -> int:
        """Uniform in [0, stop), by rejection: no modulo bias."""
        if stop <= 0:
            raise ValueError("stop must be positive")
        bits = stop.bit_length()
        size = (bits + 7) // 8
        while True:
            value = int.from_bytes(self._take(size), "big") >> (size * 8 - bits)
            if value < stop:
                return value


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
