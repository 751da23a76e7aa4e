"""I7: any modification, deletion, insertion or reordering of the stored log is detected.

The log is built by the real services; the tampering is random; both the service's own
verification and the checker's independent recomputation (app/verification/audit_checks.py) must
notice. Truncation at the end is invisible to a chain alone (docs/architecture.md): the
auditor's signed checkpoints answer it, so it is not claimed here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.clock import SimulatedClock
from app.policies import load_policy
from app.verification import world
from app.verification.audit_checks import chain_breaks
from app.verification.service_driver import ServiceDriver
from app.workflow.audit import verify_chain
from app.workflow.records import AuditEntry
from app.workflow.states import PartnershipStatus


def _log() -> list[AuditEntry]:
    clock = SimulatedClock(world.START)
    driver = ServiceDriver(load_policy("privacy-by-design"), clock)
    agency = driver.create_agency(name="A", lat=40.0, lng=-75.0, radius_m=3000).value
    assert agency is not None
    driver.set_partnership(agency, PartnershipStatus.ACTIVE, clock.now() - timedelta(days=1))
    for i in range(3):
        resident = driver.create_resident(name=f"R{i}", contact=f"r{i}@example.org").value
        assert resident is not None
        driver.create_camera(resident, lat=40.0, lng=-75.0, encrypted=False)
    return driver.snapshot().audit


LOG = _log()


@st.composite
def tampered(draw: st.DrawFn) -> list[AuditEntry]:
    entries = list(LOG)
    how = draw(st.sampled_from(["edit", "delete", "insert", "swap"]))
    i = draw(st.integers(0, len(entries) - 2))  # not the last: truncation is not claimed
    if how == "edit":
        field = draw(st.sampled_from(["actor", "action", "subject_id", "data", "at"]))
        value = {
            "actor": "operator:someone-else",
            "action": "resident.deleted",
            "subject_id": "00000000-0000-0000-0000-000000000000",
            "data": {"forged": True},
            "at": entries[i].at + timedelta(seconds=1),
        }[field]
        entries[i] = replace(entries[i], **{field: value})
    elif how == "delete":
        del entries[i]
    elif how == "insert":
        entries.insert(i, replace(entries[i], action="release.created"))
    else:
        entries[i], entries[i + 1] = entries[i + 1], entries[i]
    return entries


def test_the_untouched_log_verifies() -> None:
    assert verify_chain(LOG).ok
    assert chain_breaks(LOG) is None


@settings(max_examples=60, deadline=None, database=None)
@given(tampered())
def test_any_tampering_is_detected(entries: list[AuditEntry]) -> None:
    assert not verify_chain(entries).ok
    assert chain_breaks(entries) is not None
