"""What every service call needs: the store, the clock, the policy, and a source of ids."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from app.clock import Clock
from app.policies.base import Policy
from app.workflow.states import Role
from app.workflow.store import Store


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a role, a subject id, and (for agencies) the officer's name."""

    role: Role
    subject: UUID
    name: str = ""
    # The label, made on first use: every audit entry names its actor. Not compared or shown.
    _label: str = field(default="", init=False, repr=False, compare=False)

    def label(self) -> str:
        text = self._label
        if not text:
            text = f"{self.role.value}:{self.subject}"
            object.__setattr__(self, "_label", text)
        return text


@dataclass(frozen=True, slots=True)
class Ctx:
    store: Store
    clock: Clock
    policy: Policy
    # Random UUIDs in the service; a seeded source in simulations, for byte-identical runs.
    new_id: Callable[[], UUID] = uuid.uuid4


SYSTEM = Actor(Role.OPERATOR, UUID(int=0), "system")
