"""What a running service holds: settings, database, clock, policy, token configuration.

Routers reach the workflow only through `write` and `read`: one service call, one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from app.clock import Clock, SystemClock
from app.config import Settings
from app.db import Database
from app.policies import Policy, load_policy
from app.security import TokenConfig
from app.workflow.context import Ctx
from app.workflow.errors import DomainError

T = TypeVar("T")


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    policy: Policy
    tokens: TokenConfig

    @classmethod
    def build(
        cls, settings: Settings, *, clock: Clock | None = None, policy: Policy | None = None
    ) -> Runtime:
        db = Database(settings.url())
        db.create_schema()
        return cls(
            settings=settings,
            db=db,
            clock=clock or SystemClock(),
            policy=policy or load_policy(settings.policy),
            tokens=TokenConfig(settings.signing_secret(), settings.issuer, settings.audience),
        )

    def write(self, step: Callable[[Ctx], T]) -> T:
        """Run one workflow step in a write transaction; an error leaves nothing written."""
        try:
            with self.db.write() as store:
                return step(Ctx(store=store, clock=self.clock, policy=self.policy))
        except DomainError as exc:
            # Refused decisions are logged after the rollback, in their own transaction.
            if exc.after_rollback is not None:
                with self.db.write() as store:
                    exc.after_rollback(Ctx(store=store, clock=self.clock, policy=self.policy))
            raise

    def read(self, step: Callable[[Ctx], T]) -> T:
        with self.db.read() as store:
            return step(Ctx(store=store, clock=self.clock, policy=self.policy))
