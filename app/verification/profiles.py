"""Hypothesis settings profiles and exploration budgets: dev, ci, and long (`make verify`).

A profile is both a hypothesis settings profile (registered under `consentgate-NAME`, usable
with pytest's `--hypothesis-profile`) and a budget of explored steps per level. Every example
starts from a fresh database and a fresh model, and ids come from a seeded source, so a replayed
history behaves the same and hypothesis never reports Flaky.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, settings


@dataclass(frozen=True, slots=True)
class Budget:
    service_steps: int  # against the workflow services, in memory
    sql_steps: int  # against the services over the SQL store
    http_steps: int  # against the REST API in process
    teeth_steps: int  # the search for each broken variant's counterexample


BUDGETS = {
    "dev": Budget(service_steps=400, sql_steps=80, http_steps=60, teeth_steps=8000),
    "ci": Budget(service_steps=3000, sql_steps=240, http_steps=200, teeth_steps=8000),
    "long": Budget(service_steps=60_000, sql_steps=4000, http_steps=2000, teeth_steps=20_000),
}
# The second pass of `make test` runs on PostgreSQL, where each example creates a schema.
POSTGRES_SHARE = 0.4

_COMMON = settings(deadline=None, suppress_health_check=list(HealthCheck), print_blob=False)
settings.register_profile("consentgate-dev", _COMMON)
settings.register_profile("consentgate-ci", _COMMON, database=None, derandomize=True)
settings.register_profile("consentgate-long", _COMMON, database=None)


def current() -> str:
    """The profile in force: CONSENTGATE_VERIFY_PROFILE, or ci."""
    name = os.environ.get("CONSENTGATE_VERIFY_PROFILE", "ci")
    if name not in BUDGETS:
        raise ValueError(f"CONSENTGATE_VERIFY_PROFILE={name!r}: choose one of {', '.join(BUDGETS)}")
    return name


def budget(*, postgres: bool = False) -> Budget:
    found = BUDGETS[current()]
    if not postgres:
        return found
    return Budget(
        service_steps=found.service_steps,
        sql_steps=max(40, int(found.sql_steps * POSTGRES_SHARE)),
        http_steps=max(40, int(found.http_steps * POSTGRES_SHARE)),
        teeth_steps=found.teeth_steps,
    )
