"""What a running service holds: settings, database, clock, policy, token configuration.

Routers reach the workflow only through `write` and `read`: one service call, one transaction.
A transaction that the database rolled back for a conflict (deadlock, serialization failure,
lock timeout) is run again from the start, a bounded number of times; a lost or unreachable
database, or a conflict that outlasts the retries, becomes a 503 with a stable code, never a
500 with a stack trace.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

from app.clock import Clock, SystemClock
from app.config import Settings
from app.db import Database
from app.policies import Policy, load_policy
from app.security import TokenConfig
from app.store.faults import Fault, classify, timed_out
from app.workflow.context import Ctx
from app.workflow.errors import DatabaseBusy, DatabaseUnavailable, DomainError

T = TypeVar("T")

# Attempts per call, and the first pause between them (doubled each time, with jitter so that
# two transactions that collided do not collide again in lockstep). Real time, not the clock:
# the pause is about the database, not about the workflow's time.
MAX_ATTEMPTS = 4
FIRST_PAUSE_S = 0.005


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    policy: Policy
    tokens: TokenConfig
    # Where record ids come from: random UUIDs in service (ids in URLs must not be guessable);
    # a seeded source (app.sim.seeds.id_source) where a run must be reproducible, as the
    # verifier's HTTP level does. Injected like the clock.
    new_id: Callable[[], UUID] = field(default=uuid.uuid4)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        policy: Policy | None = None,
        new_id: Callable[[], UUID] | None = None,
        migrate: bool = True,
    ) -> Runtime:
        """The runtime on the configured database, migrated to the code's schema; with
        `migrate=False` (the auditor's read-only commands) a schema not already current is
        refused instead, and nothing is written."""
        db = Database(settings.url(), timeout_s=settings.db_timeout_seconds)
        try:
            if migrate:
                db.create_schema()
            else:
                db.check_schema()
        except BaseException:
            db.dispose()  # a refused start (app/store/schema.py) leaves no connection open
            raise
        return cls(
            settings=settings,
            db=db,
            clock=clock or SystemClock(),
            policy=policy or load_policy(settings.policy),
            tokens=TokenConfig(settings.signing_secret(), settings.issuer, settings.audience),
            new_id=new_id or uuid.uuid4,
        )

    def write(self, step: Callable[[Ctx], T]) -> T:
        """Run one workflow step in a write transaction; an error leaves nothing written."""
        try:
            return self._run(step, write=True)
        except DomainError as exc:
            # Refused decisions are logged after the rollback, in their own transaction.
            if exc.after_rollback is not None:
                self._run(exc.after_rollback, write=True)
            raise

    def read(self, step: Callable[[Ctx], T]) -> T:
        return self._run(step, write=False)

    def _run(self, step: Callable[[Ctx], T], *, write: bool) -> T:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.db.write() if write else self.db.read() as store:
                    return step(
                        Ctx(store=store, clock=self.clock, policy=self.policy, new_id=self.new_id)
                    )
            except Exception as exc:
                fault = classify(exc)
                if fault is Fault.OTHER:
                    raise
                if fault is Fault.UNAVAILABLE:
                    raise DatabaseUnavailable(self._unavailable(exc)) from exc
                if attempt == MAX_ATTEMPTS:
                    raise DatabaseBusy(attempt) from exc
                pause = FIRST_PAUSE_S * 2 ** (attempt - 1)
                time.sleep(pause * random.uniform(0.5, 1.5))  # noqa: S311  (jitter, not secrecy)
        raise AssertionError("unreachable")  # pragma: no cover

    def _unavailable(self, exc: BaseException) -> str:
        """The 503's detail: the default one, unless the database stopped answering."""
        if not timed_out(exc):
            return ""
        return (
            f"The database did not answer within {self.db.timeout_s:g} s; this call was given "
            "up. Try again shortly."
        )
