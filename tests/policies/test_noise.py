"""The integer noise sampler: exact distribution, reproducible from its key."""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

import pytest

from app.policies.noise import KeyedStream, bernoulli_exp_minus, discrete_laplace, laplace_scale


def test_same_key_same_noise_other_key_other_noise() -> None:
    scale = laplace_scale(0.5)
    a = KeyedStream(b"k" * 16)
    b = KeyedStream(b"k" * 16)
    c = KeyedStream(b"j" * 16)
    first = [discrete_laplace(scale, a) for _ in range(200)]
    assert first == [discrete_laplace(scale, b) for _ in range(200)]
    assert first != [discrete_laplace(scale, c) for _ in range(200)]


@pytest.mark.parametrize("epsilon", [0.5, 1.0])
def test_discrete_laplace_matches_its_distribution(epsilon: float) -> None:
    """Chi-square goodness of fit over -4..4 and the tails, 6,000 draws, fixed key."""
    rng = KeyedStream(b"chi-square-test!")
    n = 6_000
    draws = Counter(discrete_laplace(laplace_scale(epsilon), rng) for _ in range(n))
    a = math.exp(-epsilon)

    def p(x: int) -> float:
        return (1 - a) / (1 + a) * a ** abs(x)

    bins = list(range(-4, 5))
    chi2 = sum((draws[x] - n * p(x)) ** 2 / (n * p(x)) for x in bins)
    tail = n - sum(draws[x] for x in bins)
    p_tail = 1 - sum(p(x) for x in bins)
    chi2 += (tail - n * p_tail) ** 2 / (n * p_tail)
    # 9 degrees of freedom: 27.9 is the 0.999 quantile.
    assert chi2 < 27.9, (chi2, draws)
    assert abs(sum(x * c for x, c in draws.items()) / n) < 0.1  # symmetric around 0


def test_bernoulli_exp_minus_is_exact_in_expectation() -> None:
    rng = KeyedStream(b"bernoulli-test!!")
    for gamma in (Fraction(1, 3), Fraction(5, 2)):
        hits = sum(bernoulli_exp_minus(gamma, rng) for _ in range(8_000))
        assert abs(hits / 8_000 - math.exp(-float(gamma))) < 0.02


def test_keyed_stream_is_uniform_without_modulo_bias() -> None:
    rng = KeyedStream(b"uniformity-test!")
    counts = Counter(rng.randrange(3) for _ in range(30_000))
    assert set(counts) == {0, 1, 2}
    assert all(abs(c - 10_000) < 400 for c in counts.values())
    with pytest.raises(ValueError):
        rng.randrange(0)
