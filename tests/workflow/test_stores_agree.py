"""The SQL store and the in-memory store give the same workflow the same results.

One scripted run of the services (seeded ids, simulated clock) goes through each store; the
records and the audit log (every hash) must come out identical.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.clock import SimulatedClock
from app.db import Database
from app.policies import load_policy
from app.store.memory import MemoryStore
from app.workflow import footage, operator, requests, responses
from app.workflow.context import SYSTEM, Actor, Ctx
from app.workflow.errors import DomainError
from app.workflow.records import Camera, Clip, Consent, FootageRequest, Notice, Release, Resident
from app.workflow.states import PartnershipStatus, Role
from app.workflow.store import Store
from tests.factories import CITY, offset

START = datetime(2026, 6, 1, 12, tzinfo=UTC)
KINDS = (Resident, Camera, Clip, FootageRequest, Notice, Consent, Release)


def script(run: Callable[[Callable[[Ctx], Any]], Any], clock: SimulatedClock) -> None:
    """A small city, two requests, shares, a decline, a withdrawal, a download, an expiry."""
    rng = random.Random(7)
    agency = run(
        lambda c: operator.create_agency(
            c,
            SYSTEM,
            name="PD",
            jurisdiction="PD",
            center_lat=CITY[0],
            center_lng=CITY[1],
            radius_m=3000,
        )
    )
    run(
        lambda c: operator.set_partnership(
            c, SYSTEM, agency_id=agency.id, status=PartnershipStatus.ACTIVE
        )
    )
    officer = Actor(Role.AGENCY, agency.id, "Officer")
    residents = []
    for i in range(12):
        r = run(lambda c, i=i: operator.create_resident(c, SYSTEM, name=f"R{i}", contact="x"))
        lat, lng = offset(*CITY, rng.uniform(-300, 300), rng.uniform(-300, 300))
        cam = run(
            lambda c, r=r, lat=lat, lng=lng: operator.create_camera(
                c, SYSTEM, resident_id=r.id, lat=lat, lng=lng
            )
        )
        for k in range(3):
            s = START - timedelta(hours=5) + timedelta(minutes=20 * k + rng.randrange(10))
            run(
                lambda c, cam=cam, s=s: operator.create_clip(
                    c, SYSTEM, camera_id=cam.id, starts_at=s, ends_at=s + timedelta(minutes=4)
                )
            )
        residents.append(r)
    run(
        lambda c: responses.update_settings(
            c, SYSTEM, resident_id=residents[0].id, opted_out=True, encrypt_by_default=None
        )
    )
    drafts = [
        requests.RequestDraft(
            f"C{n}",
            "burglary",
            "d",
            CITY[0],
            CITY[1],
            250,
            START - timedelta(hours=5),
            START - timedelta(hours=4),
        )
        for n in range(2)
    ]
    filed = [
        run(lambda c, d=d: requests.file_request(c, officer, agency_id=agency.id, draft=d))
        for d in drafts
    ]
    for i, r in enumerate(residents):
        actor = Actor(Role.RESIDENT, r.id)
        for req in filed:
            try:
                item = run(
                    lambda c, r=r, req=req: responses.get_inbox_item(
                        c, resident_id=r.id, request_id=req.id
                    )
                )
            except DomainError:
                continue
            clips = [clip.id for clip in item.clips][: 1 + i % 2]
            if i % 3 == 0 and clips:
                run(
                    lambda c, r=r, req=req, clips=clips, actor=actor: responses.share(
                        c, actor, resident_id=r.id, request_id=req.id, clip_ids=clips
                    )
                )
            elif i % 3 == 1:
                run(
                    lambda c, r=r, req=req, actor=actor: responses.decline(
                        c, actor, resident_id=r.id, request_id=req.id
                    )
                )
        clock.advance(timedelta(minutes=3))
    consents = run(lambda c: c.store.find(Consent))
    if consents:
        first = consents[0]
        run(
            lambda c: responses.withdraw(
                c,
                Actor(Role.RESIDENT, first.resident_id),
                resident_id=first.resident_id,
                consent_id=first.id,
            )
        )
    for rel in run(lambda c: c.store.find(Release)):
        if rel.revoked_at is None:
            run(
                lambda c, rel=rel: footage.download(
                    c, officer, agency_id=agency.id, release_id=rel.id
                )
            )
            break
    clock.advance(timedelta(days=8))
    run(requests.expire_due)


def snapshot(store: Store) -> dict[str, Any]:
    out: dict[str, Any] = {k.__name__: store.find(k) for k in KINDS}
    for kind in KINDS:  # ids(): the same ids as the records, in the same order
        assert store.ids(kind) == [record.id for record in out[kind.__name__]], kind
    out["audit"] = store.audit_entries(0, 100_000)
    return out


def ids(seed: int) -> Callable[[], uuid.UUID]:
    rng = random.Random(seed)
    return lambda: uuid.UUID(int=rng.getrandbits(128), version=4)


def run_in_memory() -> dict[str, Any]:
    clock, store, new_id = SimulatedClock(START), MemoryStore(), ids(1)
    policy = load_policy("privacy-by-design")
    script(lambda step: step(Ctx(store, clock, policy, new_id)), clock)
    return snapshot(store)


def run_in_sql(path: Path) -> dict[str, Any]:
    clock, db, new_id = SimulatedClock(START), Database(f"sqlite:///{path}"), ids(1)
    db.create_schema()
    policy = load_policy("privacy-by-design")

    def run(step: Callable[[Ctx], Any]) -> Any:
        with db.write() as store:
            return step(Ctx(store, clock, policy, new_id))

    script(run, clock)
    with db.read() as store:
        result = snapshot(store)
    db.dispose()
    return result


def test_memory_and_sql_stores_agree(tmp_path: Path) -> None:
    memory, sql = run_in_memory(), run_in_sql(tmp_path / "diff.db")
    assert memory["Release"], "the script must release something to be a useful comparison"
    assert any(r.revoked_at for r in memory["Release"])
    assert any(r.downloaded_at for r in memory["Release"])
    for key in memory:
        assert memory[key] == sql[key], key
