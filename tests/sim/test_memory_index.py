"""The memory store's field indexes answer exactly like a full scan, after any saves."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from app.store.memory import MemoryStore
from app.workflow.records import Notice
from app.workflow.states import NoticeResponse

START = datetime(2026, 1, 1, tzinfo=UTC)


def scan(store: MemoryStore, **equals: object) -> list[Notice]:
    everything = store.find(Notice)
    rows = [n for n in everything if all(getattr(n, k) == v for k, v in equals.items())]
    return sorted(rows, key=lambda n: str(n.id))


def test_indexed_find_matches_a_scan_through_changes() -> None:
    rng = random.Random(5)
    store = MemoryStore()
    requests = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(4)]
    residents = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(6)]
    notices = []
    for i in range(60):
        notice = Notice(
            id=uuid.UUID(int=rng.getrandbits(128)),
            request_id=rng.choice(requests),
            resident_id=rng.choice(residents),
            response=NoticeResponse.PENDING,
            sent_at=START + timedelta(minutes=i),
            responded_at=None,
        )
        store.add(notice)
        notices.append(notice)
        if i == 20:  # build the indexes midway: later adds must update them
            store.find(Notice, response=NoticeResponse.PENDING)
            store.find(Notice, request_id=requests[0], resident_id=residents[0])
    for notice in rng.sample(notices, 25):
        changed = replace(notice, response=rng.choice(list(NoticeResponse)), responded_at=START)
        store.save(changed)
    for response in NoticeResponse:
        found = store.find(Notice, response=response)
        assert found == scan(store, response=response)
        # The value alone (a plain string) finds the same records as the enum member.
        assert store.find(Notice, response=response.value) == found
    for request_id in requests:
        for resident_id in residents:
            assert store.find(Notice, request_id=request_id, resident_id=resident_id) == scan(
                store, request_id=request_id, resident_id=resident_id
            )
    assert store.find(Notice, responded_at=None) == scan(store, responded_at=None)
    assert (
        store.count(Notice, response=NoticeResponse.PENDING)
        == len(scan(store, response=NoticeResponse.PENDING))
        > 0
    )


def test_a_uuid_and_its_number_share_a_bucket_but_are_told_apart() -> None:
    """The store indexes a UUID as its number; `find` still compares the values themselves."""
    store = MemoryStore()
    as_uuid, as_int = uuid.UUID(int=5), 5
    for n, request_id in enumerate([as_uuid, as_int, as_uuid]):
        store.add(
            Notice(
                id=uuid.UUID(int=100 + n),
                request_id=request_id,  # type: ignore[arg-type]  (an int, on purpose)
                resident_id=uuid.UUID(int=9),
                response=NoticeResponse.PENDING,
                sent_at=START,
                responded_at=None,
            )
        )
    assert [n.id.int for n in store.find(Notice, request_id=as_uuid)] == [100, 102]
    assert [n.id.int for n in store.find(Notice, request_id=as_int)] == [101]
    assert store.get(Notice, uuid.UUID(int=101)) is not None
    assert store.get(Notice, uuid.UUID(int=103)) is None
