"""The services' records and audit entries, pinned from the code before their shortcuts.

A small world driven through the operator, request, decision and expiry services on the memory
store: residents with cameras (one opted out), an agency and its partnership, a request that
notifies, the clips of its window, the notices' expiry. Every entry's bytes go into the log's
head, pinned from commit 1648eaa (before the ids' text was made once per notice, the records
were built through their slots and the clips' camera text was shared); the notices' entries
are also checked field by field against what each one names.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.clock import SimulatedClock
from app.policies.registry import load_policy
from app.sim.seeds import id_source
from app.store.memory import MemoryStore
from app.workflow import operator, requests, responses
from app.workflow.context import SYSTEM, Actor, Ctx
from app.workflow.records import Notice
from app.workflow.requests import RequestDraft
from app.workflow.states import PartnershipStatus, Role

START = datetime(2021, 3, 1, 12, 0, tzinfo=UTC)
LAT, LNG = 28.0395, -81.9498


def run_world() -> tuple[Ctx, list[Notice]]:
    clock = SimulatedClock(START)
    ctx = Ctx(MemoryStore(), clock, load_policy("privacy-by-design"), id_source(77))
    agency = operator.create_agency(
        ctx, SYSTEM, name="PD", jurisdiction="x", center_lat=LAT, center_lng=LNG, radius_m=5000
    )
    operator.set_partnership(ctx, SYSTEM, agency_id=agency.id, status=PartnershipStatus.ACTIVE)
    cameras = []
    for n in range(6):
        resident = operator.create_resident(
            ctx, SYSTEM, name=f"r{n}", contact=f"r{n}@example.org", encrypt_by_default=n == 2
        )
        cameras.append(
            operator.create_camera(
                ctx, SYSTEM, resident_id=resident.id, lat=LAT + n * 1e-4, lng=LNG, label="door"
            )
        )
        if n == 4:
            responses.update_settings(
                ctx, SYSTEM, resident_id=resident.id, opted_out=True, encrypt_by_default=None
            )
    clock.advance(timedelta(hours=3))
    window_start = START + timedelta(hours=1)
    for camera in cameras[:3]:
        operator.create_clip(
            ctx,
            SYSTEM,
            camera_id=camera.id,
            starts_at=window_start,
            ends_at=window_start + timedelta(minutes=5),
        )
    officer = Actor(Role.AGENCY, agency.id, "Officer")
    draft = RequestDraft(
        case_number="C-1",
        incident_type="burglary",
        description="pinned",
        center_lat=LAT,
        center_lng=LNG,
        radius_m=300.0,
        window_start=window_start,
        window_end=window_start + timedelta(minutes=30),
    )
    request = requests.file_request(ctx, officer, agency_id=agency.id, draft=draft)
    notices = ctx.store.find(Notice, request_id=request.id)
    clock.advance(timedelta(days=30))
    requests.expire_due(ctx)
    return ctx, notices


def test_the_services_write_the_log_they_wrote_before() -> None:
    ctx, _ = run_world()
    tail = ctx.store.audit_tail()
    assert tail is not None
    assert (tail.seq + 1, tail.entry_hash) == (PINNED_SIZE, PINNED_HEAD)


def test_each_notice_entry_names_its_notice_request_and_resident() -> None:
    ctx, notices = run_world()
    assert len(notices) == 5  # six residents in reach, one opted out
    entries = ctx.store.audit_entries(0, PINNED_SIZE)
    for notice in notices:
        [sent] = [
            e for e in entries if e.action == "notice.sent" and e.subject_id == str(notice.id)
        ]
        assert sent.data == {
            "request_id": str(notice.request_id),
            "resident_id": str(notice.resident_id),
        }
        decision = entries[sent.seq + 1]
        assert decision.action == "decision.notice"
        assert decision.data["about"] == {"type": "notice", "id": str(notice.id)}
        assert decision.data["result"] == "allow" and type(decision.data["result"]) is str
    refused = [e for e in entries if e.action == "decision.notice" and e.data["result"] == "deny"]
    assert [e.data["about"]["type"] for e in refused] == ["resident"]


PINNED_SIZE = 38
PINNED_HEAD = "2e7555bccb8edbf262871a0e3ff5c287a3a22c12a8621954798fb90a35a53da8"
