"""The guarantee holds for the default policy: the machine explores it at both levels.

Service level: the workflow services over the in-memory store (fast, thousands of steps) and
over the SQL store of this pass (SQLite, or PostgreSQL in the second pass). HTTP level: the
REST API in process, every agency response scanned for leaks (I4).
"""

from __future__ import annotations

import uuid

import pytest

from app.clock import SimulatedClock
from app.config import Settings
from app.main import create_app
from app.policies import load_policy
from app.policies.base import StandardPolicy
from app.policies.params import PolicyParams
from app.sim.example_policies import NARROW_REQUESTS
from app.verification import profiles, world
from app.verification.http_driver import HttpDriver
from app.verification.runner import VerifyReport, verify
from app.workflow.states import PartnershipStatus
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


# Every platform rule the model predicts, at once: moderation, eligibility, a daily rate.
GATED = StandardPolicy(
    "gated",
    PolicyParams(
        moderation=True,
        verified_agencies_only=True,
        federal_agencies_excluded=True,
        promotion_duty_required=True,
        requests_per_agency_per_day=2,
    ),
)


@pytest.mark.skipif(bool(PG_URL), reason="no database involved; ran on SQLite")
def test_a_moderated_gated_policy_holds_and_the_exploration_reaches_residents() -> None:
    """Not vacuously: requests are approved, residents notified, footage released on consent,
    and filings refused for each eligibility rule, for the daily rate and for a request
    outside the agency's jurisdiction."""
    budget = profiles.budget()
    # A seed whose exploration reaches every refusal below within the CI budget (six of the
    # first twelve do). A new drawn choice in the rules reshuffles every seed's run: seed 4
    # stopped reaching two of them when filings began to vary the case number's spelling.
    report = verify(GATED, steps=budget.service_steps, seed=6)
    assert report.exit_code == 0, _held(report)
    reached = report.coverage
    assert reached["requests approved"] > 0, report.reached()
    assert reached["residents notified"] > 0, report.reached()
    assert reached["releases (consent)"] > 0, report.reached()
    refusals = (
        "agency_not_verified",
        "federal_agency_excluded",
        "rate_limited",
        "area_outside_jurisdiction",
    )
    for code in refusals:
        assert reached[f"filings refused ({code})"] > 0, (code, sorted(reached.items()))


@pytest.mark.skipif(bool(PG_URL), reason="no database involved; ran on SQLite")
def test_a_narrower_policy_is_not_passed_vacuously() -> None:
    """A researcher's policy with smaller areas and shorter windows (0.1 sq mi, 2 hours): the
    opening request fits its limits, so residents are notified and share. It used to be a
    fixed 330-minute request, refused, and the run "held" with nothing released."""
    report = verify(NARROW_REQUESTS, steps=400, seed=0)
    assert report.exit_code == 0, _held(report)
    assert report.coverage["releases (consent)"] > 0, report.reached()


def test_http_ids_come_from_the_seeded_source() -> None:
    """The same history through the REST API twice: the same ids, the same log, byte for byte
    (the app's id source is injected; in service it stays uuid4)."""

    def one_history() -> list[tuple[str, str, str]]:
        clock = SimulatedClock(world.START)
        driver = HttpDriver(load_policy("privacy-by-design"), clock, postgres_url=PG_URL)
        try:
            agency = driver.create_agency(name="A", lat=40.0, lng=-75.0, radius_m=3000).value
            assert agency is not None
            driver.set_partnership(agency, PartnershipStatus.ACTIVE, clock.now())
            resident = driver.create_resident(name="R", contact="r@example.org").value
            assert resident is not None
            lat, lng = world.camera_site(0, 0)
            driver.create_camera(resident, lat=lat, lng=lng, encrypted=False)
            return [(str(e.id), e.subject_id, e.entry_hash) for e in driver.snapshot().audit]
        finally:
            driver.close_driver()

    first, second = one_history(), one_history()
    assert len(first) >= 4
    assert first == second


def test_the_service_keeps_random_ids_by_default(settings: Settings) -> None:
    app = create_app(settings)
    try:
        assert app.state.runtime.new_id is uuid.uuid4
    finally:
        # An undisposed engine's pooled PostgreSQL connection is collected later, in some other
        # test, as a ResourceWarning (which this suite turns into an error).
        app.state.runtime.db.dispose()
