"""A race harness: steps on separate database connections, released together at a barrier.

Each step runs in its own thread through `Runtime.write`, so each holds its own pooled
connection and its own transaction, exactly as two uvicorn workers would. A small seeded
stagger alternates which side tends to go first, so both orders occur over many trials.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from app.runtime import Runtime
from app.workflow import operator
from app.workflow.audit import verify_chain
from app.workflow.context import Actor, Ctx
from app.workflow.errors import DomainError
from app.workflow.records import AuditEntry, Camera, Clip, Resident
from app.workflow.states import PartnershipStatus, Role
from tests.factories import CITY, offset

OPERATOR = Actor(Role.OPERATOR, UUID(int=1), "operator")

# Trials per backend across all race kinds: `make stress` raises it to 10,000.
TOTAL_TRIALS = int(os.environ.get("CONSENTGATE_RACE_TRIALS", "1000"))
RACE_KINDS = 4


def trials_per_kind(total: int = TOTAL_TRIALS) -> int:
    return max(1, -(-total // RACE_KINDS))


def stress_trials_per_kind() -> int:
    """What `make stress` runs per kind: the Makefile's STRESS_TRIALS default, read from it."""
    makefile = Path(__file__).parents[2] / "Makefile"
    found = re.search(r"^STRESS_TRIALS \?= (\d+)$", makefile.read_text(), re.MULTILINE)
    assert found, "the Makefile no longer sets STRESS_TRIALS ?= N"
    return trials_per_kind(int(found.group(1)))


def both_orders_expected() -> bool:
    """With a handful of trials (a quick local run) one order may simply not come up."""
    return trials_per_kind() >= 50


@dataclass
class Outcome:
    ok: bool
    value: Any = None
    error: BaseException | None = None


def run_together(
    steps: list[Callable[[], Any]], *, first: int, rng: random.Random
) -> list[Outcome]:
    """Start every step at one barrier; the others wait up to 2 ms so `first` tends to lead."""
    barrier = threading.Barrier(len(steps))
    outcomes: list[Outcome] = [Outcome(False)] * len(steps)
    delays = [0.0 if i == first else rng.uniform(0, 0.002) for i in range(len(steps))]

    def worker(i: int) -> None:
        barrier.wait()
        if delays[i]:
            time.sleep(delays[i])
        try:
            outcomes[i] = Outcome(True, steps[i]())
        except DomainError as exc:  # a refusal is a legitimate outcome of a race
            outcomes[i] = Outcome(False, error=exc)
        except BaseException as exc:  # anything else (a 500) fails the trial
            outcomes[i] = Outcome(False, error=exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(steps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def unexpected(outcomes: list[Outcome]) -> list[BaseException]:
    """Errors that are not domain refusals: a deadlock, a constraint violation, a crash."""
    return [
        o.error for o in outcomes if o.error is not None and not isinstance(o.error, DomainError)
    ]


def all_audit(runtime: Runtime) -> list[AuditEntry]:
    return runtime.read(lambda ctx: ctx.store.audit_entries(0, 10_000_000))


def assert_chain_verifies(runtime: Runtime) -> list[AuditEntry]:
    entries = all_audit(runtime)
    check = verify_chain(entries)
    assert check.ok, check
    return entries


def active_agency(ctx: Ctx) -> UUID:
    agency = operator.create_agency(
        ctx,
        OPERATOR,
        name="Race PD",
        jurisdiction="Race",
        center_lat=CITY[0],
        center_lng=CITY[1],
        radius_m=20_000,
    )
    operator.set_partnership(
        ctx,
        OPERATOR,
        agency_id=agency.id,
        status=PartnershipStatus.ACTIVE,
        starts_at=ctx.clock.now() - timedelta(days=1),
    )
    return agency.id


def resident_with_clip(ctx: Ctx, *, north_m: float, east_m: float) -> tuple[Resident, Clip]:
    resident = operator.create_resident(ctx, OPERATOR, name="Neighbour", contact="n@example.org")
    lat, lng = offset(*CITY, north_m, east_m)
    camera: Camera = operator.create_camera(
        ctx, OPERATOR, resident_id=resident.id, lat=lat, lng=lng
    )
    start = ctx.clock.now() - timedelta(hours=3)
    clip = operator.create_clip(
        ctx, OPERATOR, camera_id=camera.id, starts_at=start, ends_at=start + timedelta(minutes=5)
    )
    return resident, clip
