"""The SQL store's Core statements (app/store/rows.py): what the ORM used to give, kept.

Every read goes to the database, so a row changed behind the store's back within the
transaction is seen as it now is, by a locked read above all (the gate must not decide on a copy
loaded before a withdrawal committed); an added record is visible to the next read with no
flush; a save of a record never stored is refused; a find on None compares as IS NULL; audit
appends held back for one batch are seen by every read and committed or rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import text

from app.clock import SimulatedClock
from app.config import Settings
from app.db import Database
from app.policies.base import StandardPolicy
from app.policies.params import PolicyParams
from app.workflow import audit
from app.workflow.context import SYSTEM, Ctx
from app.workflow.records import Agency, Partnership
from app.workflow.states import PartnershipStatus

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _agency() -> Agency:
    return Agency(uuid4(), "Lakeview PD", "Lakeview", 41.9, -87.6, 5_000.0, False, True, AT)


def _partnership(agency: Agency, ends_at: datetime | None) -> Partnership:
    return Partnership(uuid4(), agency.id, PartnershipStatus.ACTIVE, AT, ends_at, 10, True, 5.0, AT)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.url())
    database.create_schema()
    yield database
    database.dispose()


def test_reads_see_the_row_as_it_is_now(db: Database) -> None:
    agency = _agency()
    with db.write() as store:
        store.add(agency)
        assert store.get(Agency, agency.id) == agency  # no flush needed
        assert store.find(Agency, name="Lakeview PD") == [agency]
        # Changed behind the store's back, on the same transaction's connection.
        store.session.connection().execute(
            text("UPDATE agency SET verified = :v WHERE name = :n"), {"v": False, "n": agency.name}
        )
        changed = replace(agency, verified=False)
        assert store.get(Agency, agency.id) == changed
        assert store.get(Agency, agency.id, for_update=True) == changed
    with db.read() as store:
        assert store.get(Agency, agency.id) == changed


def test_save_updates_and_refuses_a_record_never_stored(db: Database) -> None:
    agency = _agency()
    with db.write() as store:
        store.add(agency)
        store.save(replace(agency, radius_m=7_500.0))
        assert store.get(Agency, agency.id) == replace(agency, radius_m=7_500.0)
        with pytest.raises(LookupError):
            store.save(_agency())


def test_find_and_count_on_none_compare_as_null(db: Database) -> None:
    first, second = _agency(), _agency()
    open_ended = _partnership(first, None)
    with db.write() as store:
        store.add(first)
        store.add(second)
        store.add(open_ended)
        store.add(_partnership(second, AT + timedelta(days=30)))
        assert store.find(Partnership, ends_at=None) == [open_ended]
        assert store.count(Partnership, ends_at=None) == 1
        assert store.count(Partnership, agency_id=first.id) == 1
        assert store.count(Partnership, status=PartnershipStatus.ACTIVE) == 2


def test_audit_appends_held_back_are_read_and_committed(
    db: Database, clock: SimulatedClock
) -> None:
    """The store sends audit entries and Merkle nodes in one batch (before a read of the log
    and at the commit): every read in the transaction sees them, and a rollback drops them."""
    policy = StandardPolicy("rows", PolicyParams())
    with db.write() as store:
        ctx = Ctx(store, clock, policy)
        first = audit.record(ctx, SYSTEM, "test.one", "thing", "a")
        second = audit.record(ctx, SYSTEM, "test.two", "thing", "b", {"n": 1})
        assert store.audit_find(action="test.two", subject_id="b") == [second]
        assert store.audit_tail() == second
        assert store.audit_entries(0, 10) == [first, second]
        root = audit.root_at(ctx, 2)
    with pytest.raises(RuntimeError), db.write() as store:
        audit.record(Ctx(store, clock, policy), SYSTEM, "test.three", "thing", "c")
        raise RuntimeError("rolled back")
    with db.read() as store:
        ctx = Ctx(store, clock, policy)
        assert store.audit_entries(0, 10) == [first, second]
        assert store.audit_find(action="test.one", subject_id="a") == [first]
        assert audit.root_at(ctx, 2) == root
        assert audit.verify_chain(store.audit_entries(0, 10)).ok
