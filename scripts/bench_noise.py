"""Benchmark: the exact integer noise sampler against a floating-point Laplace, side by side.

Run with `make bench-policies`. Prints medians of 7 repetitions of 2,000 draws each, and the
ratio measured in the same run (the machine is shared and noisy: compare ratios, not times).
The floating-point sampler is the leaky one the exact sampler replaces; it is here only as a
yardstick.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable
from fractions import Fraction

from app.policies.noise import KeyedStream, discrete_laplace, laplace_scale

DRAWS = 2_000
REPEATS = 7


def per_draw_us(sample: Callable[[], int]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(DRAWS):
            sample()
        times.append((time.perf_counter() - start) / DRAWS * 1e6)
    return statistics.median(times)


def main() -> None:
    print(f"median microseconds per draw ({REPEATS} x {DRAWS} draws)")
    print("epsilon  exact-integer  float-laplace  ratio")
    for epsilon in (0.1, 1.0, 5.0):
        scale = laplace_scale(epsilon)
        stream = KeyedStream(b"benchmark-key-16")
        floats = random.Random(1)

        def exact(scale: Fraction = scale, stream: KeyedStream = stream) -> int:
            return discrete_laplace(scale, stream)

        def leaky(epsilon: float = epsilon, floats: random.Random = floats) -> int:
            # Laplace by inverse CDF in doubles, then rounded: what the exact sampler avoids.
            u = floats.random() - 0.5
            return round(-math.copysign(1, u) * math.log(1 - 2 * abs(u)) / epsilon)

        a, b = per_draw_us(exact), per_draw_us(leaky)
        print(f"{epsilon:7}  {a:13.1f}  {b:13.2f}  {a / b:5.0f}x")


if __name__ == "__main__":
    main()
