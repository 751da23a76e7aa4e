"""Benchmark: appends to the Merkle audit log stay O(log n); proofs come from O(log n) nodes.

Appends 2,000 entries to in-memory logs that already hold 1,000, 10,000 and 100,000 entries,
five times each, and reports the median time per append; then the median time for a root, an
inclusion proof and a consistency proof at each size. Run: `make bench-audit`.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.clock import SimulatedClock
from app.policies import load_policy
from app.store.memory import MemoryStore
from app.workflow import audit
from app.workflow.context import SYSTEM, Ctx

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def seeded_ids(seed: int) -> Callable[[], uuid.UUID]:
    rng = random.Random(seed)
    return lambda: uuid.UUID(int=rng.getrandbits(128), version=4)


SIZES = (1_000, 10_000, 100_000)
BATCH = 2_000
REPEATS = 5


def grow(ctx: Ctx, clock: SimulatedClock, count: int) -> None:
    for i in range(count):
        clock.advance(timedelta(milliseconds=1))
        audit.record(ctx, SYSTEM, "bench.step", "thing", i, {"n": i})


def main() -> None:
    clock = SimulatedClock(START)
    ctx = Ctx(MemoryStore(), clock, load_policy("privacy-by-design"), seeded_ids(1))
    header = ("log size", "append µs (median)", "root µs", "incl. µs", "cons. µs")
    print(f"{header[0]:>10} {header[1]:>20} {header[2]:>9} {header[3]:>9} {header[4]:>9}")
    for size in SIZES:
        grow(ctx, clock, size - audit.log_size(ctx))
        append = []
        for _ in range(REPEATS):
            before = time.perf_counter()
            grow(ctx, clock, BATCH)
            append.append((time.perf_counter() - before) / BATCH * 1e6)
        n = audit.log_size(ctx)
        timings: dict[str, list[float]] = {"root": [], "incl": [], "cons": []}
        for _ in range(200):
            t0 = time.perf_counter()
            audit.root_at(ctx, n)
            t1 = time.perf_counter()
            audit.inclusion_proof(ctx, n // 3, n)
            t2 = time.perf_counter()
            audit.consistency_proof(ctx, n // 2 + 1, n)
            t3 = time.perf_counter()
            timings["root"].append((t1 - t0) * 1e6)
            timings["incl"].append((t2 - t1) * 1e6)
            timings["cons"].append((t3 - t2) * 1e6)
        root, incl, cons = (statistics.median(timings[k]) for k in ("root", "incl", "cons"))
        print(
            f"{size:>10,} {statistics.median(append):>20.1f} {root:>9.1f} {incl:>9.1f} {cons:>9.1f}"
        )


if __name__ == "__main__":
    main()
