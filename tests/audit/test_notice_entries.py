"""GET /audit/verify indexes `notice.sent` entries by number instead of keeping them whole
(app/workflow/log_scan.py KeptLog), and `decision.release` entries by what they allowed: the
checks that read them still see a missing, a doubled or a contradicted notice entry, and the
scan holds a small part of what the entries take."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from app.workflow import audit, log_scan
from app.workflow.context import SYSTEM, Ctx
from app.workflow.records import AuditEntry, Consent, Notice
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

    def reassign(ctx: Ctx) -> None:
        stored = ctx.store.get(Consent, UUID(consent["id"]))
        assert stored is not None
        ctx.store.save(replace(stored, resident_id=eve.id))

    _write(world, reassign)
    details = [v["detail"] for v in _violations(_verify(world), "I7")]
    assert any(
        d.startswith("the consent's resident_id is") and str(dana.id) in d for d in details
    ), details


ENTRIES = 20_000


def _text(n: int) -> str:
    """A fresh 36-character text, as long as a UUID's (uuid4() here would be most of the
    test's time under tracemalloc)."""
    return f"{n:036d}"


def _notice_sent(n: int) -> tuple[str, str, dict[str, Any]]:
    return "notice.sent", "notice", {"request_id": _text(n), "resident_id": _text(n + 1)}


def _release_allowed(n: int) -> tuple[str, str, dict[str, Any]]:
    """A `decision.release` as the gate logs one: the policy's whole input (abridged here)."""
    facts = {f"fact_{i}": _text(n + i) for i in range(12)}
    data = {"about": {"id": _text(n), "type": "release"}, "result": "allow", "input": facts}
    return "decision.release", "decision", data


def _pages(make: Callable[[int], tuple[str, str, dict[str, Any]]]) -> Iterator[list[AuditEntry]]:
    """ENTRIES entries as a scan reads them, a page at a time, each page dropped once fed (made
    as a database read makes them: fresh objects each)."""
    at = datetime(2026, 6, 1, tzinfo=UTC)
    for start in range(0, ENTRIES, log_scan.PAGE):
        page = []
        for seq in range(start, min(start + log_scan.PAGE, ENTRIES)):
            action, subject_type, data = make(seq)
            page.append(
                AuditEntry(
                    seq,
                    UUID(int=seq),
                    at,
                    "system",
                    action,
                    subject_type,
                    _text(seq),
                    data,
                    "ab" * 32,
                    "cd" * 32,
                    "ef" * 32,
                )
            )
        yield page


@pytest.mark.parametrize("make", [_notice_sent, _release_allowed])
def test_the_most_numerous_entries_read_are_indexed_not_held(
    make: Callable[[int], tuple[str, str, dict[str, Any]]],
) -> None:
    """Held whole (the entry, its id, three hashes, its payload), `notice.sent` and
    `decision.release` entries were most of what a verify of a simulated year held; indexed,
    each is its subject's text and its number."""
    gc.collect()
    tracemalloc.start()
    try:
        page = next(_pages(make))
        one_page = tracemalloc.get_traced_memory()[0]
        del page
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        kept = log_scan.KeptLog()
        for page in _pages(make):
            kept.add(page)
        del page
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    entries = one_page * ENTRIES / log_scan.PAGE
    assert len(kept.notice_sent) + len(kept.allowed_releases) == ENTRIES
    assert held < entries / 4, f"the scan held {held:,} bytes of {entries:,.0f}"
