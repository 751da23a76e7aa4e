"""What time alone makes happen: releases whose cooling-off has passed, requests that expired.

Nothing waits for this to be safe (checks compare with the clock), but releases after a
cooling-off delay happen only when it runs: the served app runs it on a timer (app/ticker.py)
and on `POST /operator/tick` (for cron or the operator), a simulation at every step.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.workflow.context import Ctx
from app.workflow.gate import release_due
from app.workflow.requests import expire_due


@dataclass(frozen=True, slots=True)
class TickResult:
    released: int
    expired: int


def tick(ctx: Ctx) -> TickResult:
    released = release_due(ctx)
    return TickResult(released=len(released), expired=expire_due(ctx))
