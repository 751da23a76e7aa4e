"""Drivers: the machine's one interface to the system under test, at two levels.

`ServiceDriver` calls the workflow services directly over a store (in memory, or SQL on SQLite
or PostgreSQL); `app/verification/http_driver.py` drives the same actions through the REST API.
Each action answers `Outcome` (accepted or refused, with the service's code); agency reads
answer `AgencyRead`, whose `text` is exactly what an agency received. `snapshot()` reads the
stored records as they are, for the checks to compare with the reference model.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar
from uuid import UUID

from sqlalchemy import create_engine

from app.clock import SimulatedClock
from app.db import Database
from app.policies.base import Policy
from app.store.memory import MemoryStore
from app.workflow import footage, gate, operator, requests, responses
from app.workflow.auditor import all_entries
from app.workflow.context import SYSTEM, Actor, Ctx
from app.workflow.errors import DomainError
from app.workflow.portal_map import portal_map
from app.workflow.records import (
    Agency,
    AuditEntry,
    Camera,
    Clip,
    Consent,
    FootageRequest,
    Notice,
    Partnership,
    Release,
    Resident,
)
from app.workflow.requests import RequestDraft
from app.workflow.states import PartnershipStatus, ReleaseBasis, Role
from app.workflow.store import Store

T = TypeVar("T")

RECORD_KINDS: tuple[type[Any], ...] = (
    Agency,
    Partnership,
    Resident,
    Camera,
    Clip,
    FootageRequest,
    Notice,
    Consent,
    Release,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    value: UUID | None = None
    code: str = ""
    digest: str = ""


@dataclass(frozen=True, slots=True)
class AgencyRead:
    """What an agency received: status, parsed body, and the raw text for the leak scan."""

    ok: bool
    body: Any = None
    text: str = ""
    content: bytes = b""
    code: str = ""


@dataclass
class Snapshot:
    records: dict[type[Any], list[Any]] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)

    def of(self, kind: type[T]) -> list[T]:
        return list(self.records.get(kind, []))


class Driver(Protocol):
    policy: Policy
    clock: SimulatedClock
    # True where `AgencyRead.text` is what crossed the wire, so the I4 scan is meaningful.
    wire_level: bool

    def create_agency(self, *, name: str, lat: float, lng: float, radius_m: float) -> Outcome: ...
    def set_partnership(
        self, agency_id: UUID, status: PartnershipStatus, starts_at: datetime
    ) -> Outcome: ...
    def create_resident(self, *, name: str, contact: str) -> Outcome: ...
    def create_camera(
        self, resident_id: UUID, *, lat: float, lng: float, encrypted: bool
    ) -> Outcome: ...
    def create_clip(
        self, camera_id: UUID, *, starts_at: datetime, ends_at: datetime
    ) -> Outcome: ...
    def set_opt_out(self, resident_id: UUID, opted_out: bool) -> Outcome: ...
    def file_request(self, agency_id: UUID, draft: RequestDraft) -> Outcome: ...
    def share(self, resident_id: UUID, request_id: UUID, clip_ids: list[UUID]) -> Outcome: ...
    def decline(self, resident_id: UUID, request_id: UUID) -> Outcome: ...
    def withdraw(self, resident_id: UUID, consent_id: UUID) -> Outcome: ...
    def close(self, agency_id: UUID, request_id: UUID) -> Outcome: ...
    def run_sweeper(self) -> Outcome: ...
    def gate_attempt(
        self,
        *,
        clip_id: UUID,
        request_id: UUID,
        basis: ReleaseBasis,
        consent_id: UUID | None,
        justification: str,
    ) -> Outcome: ...
    def read_map(self, agency_id: UUID) -> AgencyRead: ...
    def read_requests(self, agency_id: UUID) -> AgencyRead: ...
    def read_request(self, agency_id: UUID, request_id: UUID) -> AgencyRead: ...
    def read_footage(self, agency_id: UUID, request_id: UUID) -> AgencyRead: ...
    def download(self, agency_id: UUID, release_id: UUID) -> AgencyRead: ...
    def snapshot(self) -> Snapshot: ...
    def close_driver(self) -> None: ...


OPERATOR = Actor(Role.OPERATOR, UUID(int=1), "verifier operator")


def seeded_ids(seed: int) -> Callable[[], UUID]:
    """Ids from a seeded generator: a replayed history gets the same ids (no Flaky)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible ids, not secrets
    return lambda: uuid.UUID(int=rng.getrandbits(128), version=4)


class FreshDatabase:
    """A fresh database for each explored history: a new SQLite file in a new directory, or a
    new PostgreSQL schema, dropped at the end. No state leaks between examples (no Flaky)."""

    def __init__(self, base_url: str) -> None:
        self._base = base_url
        self._dir = Path(tempfile.mkdtemp(prefix="consentgate-verify-"))
        self.schema = ""
        if base_url.startswith("postgresql"):
            self.schema = f"v_{uuid.uuid4().hex[:16]}"
            admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {self.schema}")
            admin.dispose()
            sep = "&" if "?" in base_url else "?"
            self.url = f"{base_url}{sep}options=-csearch_path%3D{self.schema}"
        else:
            self.url = f"sqlite:///{self._dir / 'verify.db'}"
        self.sqlite_path = self._dir / "verify.db"

    def drop(self) -> None:
        if self.schema:
            admin = create_engine(self._base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {self.schema} CASCADE")
            admin.dispose()
        shutil.rmtree(self._dir, ignore_errors=True)


class ServiceDriver:
    """Calls the workflow services directly, one store transaction per call."""

    wire_level = False

    def __init__(self, policy: Policy, clock: SimulatedClock, *, database_url: str = "") -> None:
        self.policy = policy
        self.clock = clock
        self.new_id = seeded_ids(0)
        # `database_url` names the kind of SQL database; each driver gets a fresh one.
        self._fresh = FreshDatabase(database_url) if database_url else None
        self._memory = MemoryStore() if self._fresh is None else None
        self._db = Database(self._fresh.url) if self._fresh is not None else None
        if self._db is not None:
            self._db.create_schema()

    # --- plumbing -----------------------------------------------------------------------
    def _ctx(self, store: Store) -> Ctx:
        return Ctx(store=store, clock=self.clock, policy=self.policy, new_id=self.new_id)

    def _session(self, write: bool) -> AbstractContextManager[Store]:
        if self._db is None:
            assert self._memory is not None
            return _JustTheStore(self._memory)
        return self._db.write() if write else self._db.read()

    def _run(self, step: Callable[[Ctx], T], *, write: bool = True) -> T:
        with self._session(write) as store:
            return step(self._ctx(store))

    def _act(self, step: Callable[[Ctx], UUID | None]) -> Outcome:
        try:
            return Outcome(True, self._run(step))
        except DomainError as exc:
            return Outcome(False, code=exc.code)

    def _read(self, step: Callable[[Ctx], tuple[Any, bytes]]) -> AgencyRead:
        try:
            body, content = self._run(step, write=True)
        except DomainError as exc:
            return AgencyRead(False, code=exc.code)
        return AgencyRead(True, body=body, content=content)

    # --- operator -----------------------------------------------------------------------
    def create_agency(self, *, name: str, lat: float, lng: float, radius_m: float) -> Outcome:
        return self._act(
            lambda ctx: (
                operator.create_agency(
                    ctx,
                    OPERATOR,
                    name=name,
                    jurisdiction=name,
                    center_lat=lat,
                    center_lng=lng,
                    radius_m=radius_m,
                ).id
            )
        )

    def set_partnership(
        self, agency_id: UUID, status: PartnershipStatus, starts_at: datetime
    ) -> Outcome:
        return self._act(
            lambda ctx: (
                operator.set_partnership(
                    ctx, OPERATOR, agency_id=agency_id, status=status, starts_at=starts_at
                ).id
            )
        )

    def create_resident(self, *, name: str, contact: str) -> Outcome:
        return self._act(
            lambda ctx: operator.create_resident(ctx, OPERATOR, name=name, contact=contact).id
        )

    def create_camera(
        self, resident_id: UUID, *, lat: float, lng: float, encrypted: bool
    ) -> Outcome:
        return self._act(
            lambda ctx: (
                operator.create_camera(
                    ctx,
                    OPERATOR,
                    resident_id=resident_id,
                    lat=lat,
                    lng=lng,
                    end_to_end_encrypted=encrypted,
                ).id
            )
        )

    def create_clip(self, camera_id: UUID, *, starts_at: datetime, ends_at: datetime) -> Outcome:
        try:
            clip = self._run(
                lambda ctx: operator.create_clip(
                    ctx, OPERATOR, camera_id=camera_id, starts_at=starts_at, ends_at=ends_at
                )
            )
        except DomainError as exc:
            return Outcome(False, code=exc.code)
        return Outcome(True, clip.id, digest=clip.digest)

    # --- resident -----------------------------------------------------------------------
    def set_opt_out(self, resident_id: UUID, opted_out: bool) -> Outcome:
        actor = Actor(Role.RESIDENT, resident_id)
        return self._act(
            lambda ctx: (
                responses.update_settings(
                    ctx,
                    actor,
                    resident_id=resident_id,
                    opted_out=opted_out,
                    encrypt_by_default=None,
                ).id
            )
        )

    def share(self, resident_id: UUID, request_id: UUID, clip_ids: list[UUID]) -> Outcome:
        actor = Actor(Role.RESIDENT, resident_id)
        return self._act(
            lambda ctx: (
                responses.share(
                    ctx, actor, resident_id=resident_id, request_id=request_id, clip_ids=clip_ids
                )[0].id
            )
        )

    def decline(self, resident_id: UUID, request_id: UUID) -> Outcome:
        actor = Actor(Role.RESIDENT, resident_id)
        return self._act(
            lambda ctx: (
                responses.decline(ctx, actor, resident_id=resident_id, request_id=request_id).id
            )
        )

    def withdraw(self, resident_id: UUID, consent_id: UUID) -> Outcome:
        actor = Actor(Role.RESIDENT, resident_id)
        return self._act(
            lambda ctx: (
                responses.withdraw(ctx, actor, resident_id=resident_id, consent_id=consent_id).id
            )
        )

    # --- agency -------------------------------------------------------------------------
    def file_request(self, agency_id: UUID, draft: RequestDraft) -> Outcome:
        actor = Actor(Role.AGENCY, agency_id, "Officer Verify")
        return self._act(
            lambda ctx: requests.file_request(ctx, actor, agency_id=agency_id, draft=draft).id
        )

    def close(self, agency_id: UUID, request_id: UUID) -> Outcome:
        actor = Actor(Role.AGENCY, agency_id, "Officer Verify")
        return self._act(
            lambda ctx: (
                requests.close_request(ctx, actor, agency_id=agency_id, request_id=request_id).id
            )
        )

    def read_map(self, agency_id: UUID) -> AgencyRead:
        def step(ctx: Ctx) -> tuple[Any, bytes]:
            shaped = portal_map(ctx, agency_id=agency_id)
            cells = [{"cell": c.cell, "count": c.count} for c in shaped.cells]
            return {"resolution": shaped.resolution, "k": shaped.k, "cells": cells}, b""

        return self._read(step)

    def read_requests(self, agency_id: UUID) -> AgencyRead:
        def step(ctx: Ctx) -> tuple[Any, bytes]:
            views = requests.list_agency_requests(ctx, agency_id=agency_id)
            return {"data": [_request_body(v) for v in views], "count": len(views)}, b""

        return self._read(step)

    def read_request(self, agency_id: UUID, request_id: UUID) -> AgencyRead:
        def step(ctx: Ctx) -> tuple[Any, bytes]:
            requests.require_active_partnership(ctx, agency_id)
            found = requests.get_own_request(ctx, agency_id=agency_id, request_id=request_id)
            return _request_body(requests.agency_view(ctx, found)), b""

        return self._read(step)

    def read_footage(self, agency_id: UUID, request_id: UUID) -> AgencyRead:
        def step(ctx: Ctx) -> tuple[Any, bytes]:
            listed = footage.list_released(ctx, agency_id=agency_id, request_id=request_id)
            data = [
                {
                    "release_id": str(r.release.id),
                    "digest": r.clip.digest,
                    "neighbor_label": r.release.neighbor_label,
                    "basis": r.release.basis.value,
                }
                for r in listed
            ]
            return {"data": data, "count": len(data)}, b""

        return self._read(step)

    def download(self, agency_id: UUID, release_id: UUID) -> AgencyRead:
        actor = Actor(Role.AGENCY, agency_id, "Officer Verify")

        def step(ctx: Ctx) -> tuple[Any, bytes]:
            got = footage.download(ctx, actor, agency_id=agency_id, release_id=release_id)
            return None, got.clip.content

        return self._read(step)

    # --- the platform -------------------------------------------------------------------
    def run_sweeper(self) -> Outcome:
        def step(ctx: Ctx) -> None:
            requests.expire_due(ctx)
            gate.release_due(ctx)

        return self._act(step)

    def gate_attempt(
        self,
        *,
        clip_id: UUID,
        request_id: UUID,
        basis: ReleaseBasis,
        consent_id: UUID | None,
        justification: str,
    ) -> Outcome:
        actor = SYSTEM if basis is ReleaseBasis.CONSENT else OPERATOR

        def step(ctx: Ctx) -> UUID | None:
            release, decision = gate.release_clip(
                ctx,
                actor,
                clip_id=clip_id,
                request_id=request_id,
                basis=basis,
                consent_id=consent_id,
                justification=justification,
            )
            if release is None:
                raise _Refused(decision.code)
            return release.id

        try:
            return self._act(step)
        except _Refused as refused:
            return Outcome(False, code=refused.code)

    # --- observation --------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        def step(ctx: Ctx) -> Snapshot:
            records = {kind: ctx.store.find(kind) for kind in RECORD_KINDS}
            return Snapshot(records, all_entries(ctx))

        return self._run(step, write=False)

    def close_driver(self) -> None:
        if self._db is not None:
            self._db.dispose()
        if self._fresh is not None:
            self._fresh.drop()


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _JustTheStore(AbstractContextManager[Store]):
    """The memory store has no transactions: every call sees and changes the same dicts."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> Store:
        return self.store

    def __exit__(self, *exc: object) -> None:
        return None


def _request_body(view: requests.AgencyRequestView) -> dict[str, Any]:
    return {
        "id": str(view.request.id),
        "status": view.status.value,
        "response_counts": view.response_counts,
        "released_clips": view.released_clips,
    }
