"""The guarantee holds for the default policy: the machine explores it at both levels.

Service level: the workflow services over the in-memory store (fast, thousands of steps) and
over the SQL store of this pass (SQLite, or PostgreSQL in the second pass). HTTP level: the
REST API in process, every agency response scanned for leaks (I4).
"""

from __future__ import annotations

from app.policies import load_policy
from app.verification import profiles
from app.verification.runner import VerifyReport, verify
from tests.conftest import PG_URL


def _held(report: VerifyReport) -> str:
    """The trace, so a failure prints the shortest history that broke the guarantee."""
    found = report.violation or report.exception
    return "" if found is None else "\n".join(found.lines())


def test_default_policy_holds_against_the_services_in_memory() -> None:
    budget = profiles.budget()
    report = verify(load_policy("privacy-by-design"), steps=budget.service_steps, seed=4)
    assert report.exit_code == 0, _held(report)
    # The budget was spent exploring, not skipped.
    assert report.steps >= budget.service_steps * 0.8
    assert report.examples >= budget.service_steps // 40


def test_default_policy_holds_against_the_services_over_sql() -> None:
    """Each example gets a fresh SQLite file, or a fresh PostgreSQL schema in the second pass."""
    budget = profiles.budget(postgres=bool(PG_URL))
    report = verify(
        load_policy("privacy-by-design"),
        steps=budget.sql_steps,
        seed=5,
        database_url=PG_URL or "sqlite",
        steps_per_example=20,
    )
    assert report.exit_code == 0, _held(report)
    assert report.steps >= budget.sql_steps * 0.8


def test_default_policy_holds_through_the_rest_api() -> None:
    budget = profiles.budget(postgres=bool(PG_URL))
    report = verify(
        load_policy("privacy-by-design"),
        steps=budget.http_steps,
        seed=6,
        level="http",
        database_url=PG_URL,
        steps_per_example=20,
    )
    assert report.exit_code == 0, _held(report)
    assert report.steps >= budget.http_steps * 0.8
