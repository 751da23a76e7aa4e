"""Teeth: for each deliberately broken variant the machine finds a counterexample.

A property that no broken variant can trip is not done. Each variant is injected here (nothing
broken ships in app/), and the machine must find it within the CI budget, naming the invariant
that caught it. The default policy passes the same machine (test_machines.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.policies import Policy, load_policy
from app.policies.base import StandardPolicy
from app.policies.params import MapMode, PolicyParams
from app.verification import profiles
from app.verification.findings import Verdict
from app.verification.runner import VerifyReport, verify
from tests.conftest import PG_URL
from tests.property import broken

# These run on the in-memory store: the PostgreSQL pass would repeat them byte for byte.
memory_only = pytest.mark.skipif(bool(PG_URL), reason="no database involved; ran on SQLite")

DEFAULT = "privacy-by-design"
# With no cooling-off every consent is released at once, so a gate that ignores withdrawal
# has nothing left to release; a one-day cooling-off gives it the chance to be wrong.
COOLING_OFF = StandardPolicy("cooling-off-one-day", PolicyParams(cooling_off_minutes=24 * 60))
# The broken `shape_map` is the k-anonymous map's; the default serves noisy counts instead.
K_ANONYMOUS = StandardPolicy("k-anonymous-map", PolicyParams(map_mode=MapMode.K_ANONYMOUS))
# The platform's rules the model now predicts, each under a policy that has it.
MODERATED = StandardPolicy("moderated", PolicyParams(moderation=True))
NO_FEDERAL = StandardPolicy("no-federal", PolicyParams(federal_agencies_excluded=True))
DAILY_RATE = StandardPolicy("two-a-day", PolicyParams(requests_per_agency_per_day=2))
ONE_PER_CASE = StandardPolicy("one-per-case", PolicyParams(requests_per_investigation=1))


def _search(policy: Policy, *, level: str = "service", **kw: object) -> VerifyReport:
    budget = profiles.budget()
    steps = budget.teeth_steps if level == "service" else budget.http_steps * 2
    return verify(policy, steps=steps, seed=0, level=level, shrink=False, **kw)  # type: ignore[arg-type]


def _caught(report: VerifyReport, invariant: str) -> str:
    assert report.violation is not None, "the broken variant went unnoticed"
    names = {f.invariant for f in report.violation.findings}
    assert invariant in names, "\n".join(report.violation.lines())
    return "\n".join(report.violation.lines())


BREAKS: list[tuple[str, Callable[[pytest.MonkeyPatch], None], Policy | None, str]] = [
    ("gate ignores withdrawal", broken.gate_ignores_withdrawal, COOLING_OFF, "I1"),
    ("fan-out ignores opt-out", broken.fan_out_ignores_opt_out, None, "I6"),
    ("map shows small cells", broken.map_shows_small_cells, K_ANONYMOUS, "I5"),
    ("consent accepted after expiry", broken.consent_after_expiry, None, "I8"),
    ("download checks request, not agency", broken.download_checks_request_not_agency, None, "I3"),
    ("notices before moderation", broken.notices_before_moderation, MODERATED, "policy"),
    ("federal agencies admitted", broken.federal_agencies_admitted, NO_FEDERAL, "policy"),
    ("daily rate ignored", broken.daily_rate_ignored, DAILY_RATE, "policy"),
    ("jurisdiction ignored", broken.jurisdiction_ignored, None, "policy"),
    ("case numbers compared as typed", broken.case_numbers_as_typed, ONE_PER_CASE, "policy"),
]


@memory_only
@pytest.mark.parametrize(
    ("name", "breaks", "policy", "invariant"), BREAKS, ids=[b[0] for b in BREAKS]
)
def test_machine_catches_broken_service(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    breaks: Callable[[pytest.MonkeyPatch], None],
    policy: Policy | None,
    invariant: str,
) -> None:
    breaks(monkeypatch)
    _caught(_search(policy or load_policy(DEFAULT)), invariant)


@memory_only
def test_machine_catches_a_policy_treating_silence_as_consent() -> None:
    trace = _caught(_search(broken.SilenceIsConsent()), "I1")
    assert "without consent" in trace


def test_machine_catches_an_agency_schema_carrying_a_camera_location() -> None:
    report = _search(
        load_policy(DEFAULT),
        level="http",
        app_hook=broken.footage_schema_with_location,
        database_url=PG_URL,
    )
    assert "carries a coordinate of camera" in _caught(report, "I4")


@memory_only
def test_an_undeclared_exception_is_a_violation() -> None:
    """The same emergency release, but the policy does not declare the exception (I2)."""
    report = _search(broken.UndeclaredEmergencies())
    _caught(report, "I2")


@memory_only
def test_a_declared_exception_is_reported_apart_from_violations() -> None:
    report = _search(broken.EmergencyDisclosures())
    assert report.violation is None, "\n".join(report.violation.lines())
    assert report.exception is not None
    assert report.exit_code == 3
    assert {f.verdict for f in report.exception.findings} == {Verdict.DECLARED_EXCEPTION}
    assert "under the declared emergency exception" in "\n".join(report.exception.lines())
