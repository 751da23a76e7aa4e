"""Audit appends per second: one entry per transaction (how the service appends: each state
change commits with its entry), and a thousand per transaction (the chain's own cost)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import UUID

from app.clock import SimulatedClock
from app.db import Database
from app.policies import load_policy
from app.workflow import audit
from app.workflow.context import SYSTEM, Ctx

DURATION_S = 3.0


def appends_per_second(db: Database, *, per_transaction: int) -> float:
    db.create_schema()
    policy = load_policy("privacy-by-design")
    clock = SimulatedClock(datetime(2026, 11, 30, tzinfo=UTC))
    appended = 0
    began = time.perf_counter()
    while time.perf_counter() - began < DURATION_S:
        with db.write() as store:
            ctx = Ctx(store=store, clock=clock, policy=policy)
            for _ in range(per_transaction):
                audit.record(ctx, SYSTEM, "bench.appended", "bench", UUID(int=appended))
                appended += 1
    return appended / (time.perf_counter() - began)
