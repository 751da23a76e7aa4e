"""GET /audit/verify indexes `notice.sent` entries by number instead of keeping them whole
(app/workflow/log_scan.py KeptLog): the checks that read them still see a missing, a doubled
or a contradicted notice entry, and the scan holds a small part of what the entries take."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text

from app.workflow import audit, log_scan
from app.workflow.context import SYSTEM, Ctx
from app.workflow.records import AuditEntry, Notice
from app.workflow.states import NoticeResponse
from tests.audit.test_live_checks import _shared, _verify, _violations, _write
from tests.factories import World


def test_a_second_notice_sent_entry_for_one_notice_is_named(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    world.file(agency)
    [notice] = world.app.state.runtime.read(lambda ctx: ctx.store.find(Notice))

    def again(ctx: Ctx) -> int:
        data = {"request_id": str(notice.request_id), "resident_id": str(dana.id)}
        return audit.record(ctx, SYSTEM, "notice.sent", "notice", notice.id, data).seq

    forged = _write(world, again)
    report = _verify(world)
    [violation] = _violations(report, "I7")
    assert violation["detail"] == "2 notice.sent entries for this notice"
    assert violation["subject_id"] == str(notice.id)
    assert len(violation["entries"]) == 2 and violation["entries"][-1] == forged


def test_a_notice_without_its_entry_is_named(world: World) -> None:
    agency = world.agency()
    request = world.file(agency)
    dana = world.resident()  # after the filing: no notice yet
    unlogged = uuid4()

    def behind_the_log(ctx: Ctx) -> None:
        now = ctx.clock.now()
        pending = NoticeResponse.PENDING
        ctx.store.add(Notice(unlogged, UUID(request["id"]), dana.id, pending, now, None))

    _write(world, behind_the_log)
    [violation] = _violations(_verify(world), "I7")
    assert violation["detail"] == "no notice.sent entries for this notice"
    assert violation["subject_id"] == str(unlogged)


def test_a_consent_by_another_resident_than_its_notice_went_to_is_named(world: World) -> None:
    """The one check that reads a notice entry's content: kept whole for consented notices."""
    _, dana, _, consent = _shared(world)
    eve = world.resident()
    with world.app.state.runtime.db.engine.begin() as connection:
        connection.execute(
            text("UPDATE consent SET resident_id = :eve WHERE id = :id"),
            {"eve": _stored_uuid(world, eve.id), "id": _stored_uuid(world, UUID(consent["id"]))},
        )
    details = [v["detail"] for v in _violations(_verify(world), "I7")]
    assert any(
        d.startswith("the consent's resident_id is") and str(dana.id) in d for d in details
    ), details


def _stored_uuid(world: World, value: UUID) -> Any:
    # SQLAlchemy's Uuid type stores 32 hex digits on SQLite and a native uuid on PostgreSQL.
    dialect = world.app.state.runtime.db.engine.dialect.name
    return value if dialect == "postgresql" else value.hex


NOTICES = 20_000


def _notice_pages() -> Any:
    """NOTICES notice.sent entries as a scan reads them, a page at a time, each page dropped
    once fed (the entries are made as a database read makes them: fresh objects each)."""
    at = datetime(2026, 6, 1, tzinfo=UTC)
    for start in range(0, NOTICES, log_scan.PAGE):
        yield [
            AuditEntry(
                seq,
                uuid4(),
                at,
                "system",
                "notice.sent",
                "notice",
                str(uuid4()),
                {"request_id": str(uuid4()), "resident_id": str(uuid4())},
                "ab" * 32,
                "cd" * 32,
                "ef" * 32,
            )
            for seq in range(start, min(start + log_scan.PAGE, NOTICES))
        ]


def test_notice_entries_are_indexed_not_held() -> None:
    """Held whole (the entry, its id, three hashes, its payload) they were most of a
    million-camera year's 1.8 GB verify; indexed, each is its id's text and its number."""
    gc.collect()
    tracemalloc.start()
    try:
        page = next(_notice_pages())
        one_page = tracemalloc.get_traced_memory()[0]
        del page
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        kept = log_scan.KeptLog()
        for page in _notice_pages():
            kept.add(page)
        del page
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    entries = one_page * NOTICES / log_scan.PAGE
    assert len(kept.notice_sent) == NOTICES
    assert held < entries / 4, f"the scan held {held:,} bytes of {entries:,.0f}"
