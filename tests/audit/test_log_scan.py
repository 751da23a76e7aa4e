"""GET /audit/verify reads the log a page at a time (app/workflow/log_scan.py): the work done
between two statements is one page's, whatever the log's length, and only the entries the
invariants read are held."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from app.workflow import auditor, decisions, log_scan, merkle
from app.workflow.context import Ctx
from app.workflow.decisions import decision_entries
from tests.audit.test_live_checks import _shared_and_downloaded, _verify
from tests.factories import World
from tests.scale.plans import recorded_statements

WORKFLOW = Path(__file__).parents[2] / "app" / "workflow"


@contextmanager
def leaves_between_statements(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Per SQL statement, the leaf hashes computed since the statement before it."""
    counts = [0]
    engine = world.app.state.runtime.db.engine

    def statement(*_: Any) -> None:
        counts.append(0)

    original: Callable[[bytes], bytes] = merkle.leaf_hash

    def counted(data: bytes) -> bytes:
        counts[-1] += 1
        return original(data)

    monkeypatch.setattr(merkle, "leaf_hash", counted)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)


def test_the_work_between_two_statements_is_one_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the whole log before hashing it left a PostgreSQL read transaction idle for as
    long as the hashing took, which grows with the log, until the server's
    idle_in_transaction_session_timeout (CONSENTGATE_DB_TIMEOUT_SECONDS) ended the session and
    the auditor's call became a 503."""
    monkeypatch.setattr(log_scan, "PAGE", 4)
    for _ in range(3):
        _shared_and_downloaded(world)
    with leaves_between_statements(world, monkeypatch) as counts:
        report = _verify(world)
    assert report["ok"] and report["size"] > 30
    assert sum(counts) == report["size"]  # every leaf was recomputed
    assert max(counts) <= 4, f"{max(counts)} leaves hashed between two statements"


def test_the_kept_entries_cover_every_action_the_checks_read() -> None:
    """An action the checks look up but the scan drops would read as "no entry" (a false I7)
    or, worse, hide a forged duplicate."""
    looked_up: set[str] = set()
    for module in ("live_checks.py", "record_checks.py"):
        source = (WORKFLOW / module).read_text()
        looked_up |= set(
            re.findall(
                r'"((?:release|consent|request|notice|resident|decision)'
                r'\.[a-z_]+)"',
                source,
            )
        )
    assert looked_up, "no action found: the pattern no longer matches the checks' source"
    assert looked_up <= log_scan.KEPT_ACTIONS, looked_up - log_scan.KEPT_ACTIONS


def test_a_forged_creating_entry_is_kept_whatever_its_subject_type(world: World) -> None:
    """Kept by action, not only by subject type: a second `release.created` entry filed under
    another subject type still counts as a second creating entry."""
    *_, release_id = _shared_and_downloaded(world)
    kept = log_scan.KeptLog()
    entries = world.app.state.runtime.read(auditor.all_entries)
    created = next(e for e in entries if e.action == "release.created")
    forged = replace(created, seq=10_000, subject_type="clip")
    kept.add([*entries, forged])
    assert kept.seqs("release.created", release_id) == (created.seq, 10_000)
    assert all(
        e.action in log_scan.KEPT_ACTIONS or e.subject_type in log_scan.KEPT_SUBJECTS
        for e in kept.entries
    )
    assert len(kept.entries) < len(entries)  # the others are dropped


def test_replay_reads_only_the_decision_records_and_misses_none_across_pages(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replay read the whole log and held it all (a simulated year's 329,000 entries: 660 MiB);
    filtered a page at a time it holds what it uses, and misses none of it across pages."""
    monkeypatch.setattr(log_scan, "PAGE", 4)
    _shared_and_downloaded(world)
    runtime = world.app.state.runtime
    everything = runtime.read(auditor.all_entries)
    decisions = runtime.read(lambda ctx: list(decision_entries(ctx)))
    assert decisions == [e for e in everything if e.action.startswith("decision.")]
    assert any(e.action == "decision.policy" for e in decisions)
    assert len(decisions) < len(everything)
    report = world.ok("GET", "/audit/replay", world.auditor)
    assert report["ok"] and report["replayed"] == len(decisions) - 1  # the policy is not asked


def test_the_scan_does_not_keep_the_nodes_it_read(world: World) -> None:
    """The SQL store keeps the Merkle nodes a transaction read, for the appends after them; the
    scan reads each node once, and keeping them held the whole tree to the end of the call (on
    a simulated year's 329,000 entries, 130 of the 456 MiB a verify took). Seen as: a node the
    scan read is asked of the database again, where a remembered one is not."""
    _shared_and_downloaded(world)
    db = world.app.state.runtime.db

    def node_queries_after(first_read: Callable[[Ctx], object]) -> int:
        def step(ctx: Ctx) -> int:
            first_read(ctx)
            with recorded_statements(db, lambda sql: "audit_node" in sql) as statements:
                assert ctx.store.merkle_nodes([(0, 0), (1, 0)]).keys() == {(0, 0), (1, 0)}
            return len(statements)

        return world.app.state.runtime.read(step)

    assert node_queries_after(lambda ctx: ctx.store.merkle_nodes([(0, 0), (1, 0)])) == 0
    assert node_queries_after(log_scan.LogScan) > 0


def test_replay_asks_each_page_before_reading_the_next(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replay read every decision record before asking any (340 MiB on a simulated year's
    86,000): now each page's decisions are asked as the page is read."""
    monkeypatch.setattr(log_scan, "PAGE", 4)
    for _ in range(3):
        _shared_and_downloaded(world)
    events: list[str] = []
    original = decisions._replay_one

    def asked(*args: Any) -> Any:
        events.append("ask")
        return original(*args)

    def read(*_: Any) -> None:
        events.append("read")

    monkeypatch.setattr(decisions, "_replay_one", asked)
    engine = world.app.state.runtime.db.engine
    event.listen(engine, "before_cursor_execute", read)
    try:
        report = world.ok("GET", "/audit/replay", world.auditor)
    finally:
        event.remove(engine, "before_cursor_execute", read)
    assert report["ok"] and report["replayed"] > 4
    first_ask, last_read = events.index("ask"), len(events) - 1 - events[::-1].index("read")
    assert first_ask < last_read, "every page was read before any decision was asked"
