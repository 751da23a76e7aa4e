"""The served app's timer: runs `tick` every `CONSENTGATE_TICK_SECONDS` (default 30 s).

Without it, a release held for a cooling-off period would wait for someone to call
`POST /operator/tick`; the guarantee never depended on it (the gate re-reads the consent under
its lock and compares with the clock), only the timeliness of releases and expiries did.

Each uvicorn worker runs its own timer. That is safe: `tick` is one write transaction, and
writers are serialised (SQLite's write lock; on PostgreSQL the per-schema writer lock,
docs/operations.md), so two workers ticking at once release a due clip once: the second finds
nothing due. A failed tick (the database unreachable, or silent past CONSENTGATE_DB_TIMEOUT_SECONDS,
a conflict that outlasted the retries, or anything unexpected) is logged and the timer carries
on; it never takes the service down, and a silent database cannot hold it past that bound.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from app.idempotency import forget_expired_keys
from app.runtime import Runtime
from app.workflow.errors import DatabaseBusy, DatabaseUnavailable
from app.workflow.tick import TickResult, tick

log = logging.getLogger("consentgate.ticker")


def tick_once(runtime: Runtime) -> TickResult | None:
    """One tick in its own transaction; None when it failed (and was logged)."""
    try:
        done = runtime.write(tick)
        forgotten = runtime.write(forget_expired_keys)
    except (DatabaseBusy, DatabaseUnavailable) as exc:
        log.warning("tick skipped, will retry next period: %s", exc)
        return None
    except Exception:  # a timer that dies silently is worse than one that logs and goes on
        log.exception("tick failed")
        return None
    if done.released or done.expired:
        log.info("tick: %d released, %d requests expired", done.released, done.expired)
    if forgotten:
        log.info("tick: %d idempotency keys past their lifetime forgotten", forgotten)
    return done


async def run_ticks(runtime: Runtime, every_seconds: float, stop: asyncio.Event) -> None:
    """Ticks every period until `stop` is set. A tick under way is finished, never abandoned:
    cancelling the await would leave its thread running on after shutdown, holding a pooled
    connection of an engine the caller is about to dispose of (and, on PostgreSQL, leaking it)."""
    while True:
        try:
            await asyncio.wait_for(stop.wait(), timeout=every_seconds)
        except TimeoutError:
            # The workflow and its database calls are synchronous: keep them off the event loop.
            await anyio.to_thread.run_sync(tick_once, runtime)
        else:
            return


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Starts the timer; at shutdown, waits for a tick under way to finish (a bounded wait: every
    wait on the database is, CONSENTGATE_DB_TIMEOUT_SECONDS, app/store/bounds.py), then closes
    the pool's connections, so that PostgreSQL sees each session end rather than a dropped
    socket. The engine stays usable: a later use opens a fresh pool."""
    runtime: Runtime = app.state.runtime
    every = runtime.settings.tick_seconds
    stop = asyncio.Event()
    task = asyncio.create_task(run_ticks(runtime, every, stop)) if every > 0 else None
    try:
        yield
    finally:
        if task is not None:
            stop.set()
            await task
        runtime.db.dispose()
