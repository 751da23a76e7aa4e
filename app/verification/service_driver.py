"""`ServiceDriver`: the machine's actions as direct calls of the workflow services, one store
transaction per call, over the in-memory store or a fresh SQL database."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from app.clock import SimulatedClock
from app.db import Database
from app.policies.base import Policy
from app.store.memory import MemoryStore
from app.verification.driver_api import RECORD_KINDS, AgencyRead, Outcome, Snapshot
from app.verification.fresh_database import FreshDatabase, seeded_ids
from app.workflow import exceptions, footage, gate, moderation, operator, requests, responses
from app.workflow.auditor import all_entries
from app.workflow.context import SYSTEM, Actor, Ctx
from app.workflow.errors import DomainError
from app.workflow.portal_map import portal_map
from app.workflow.requests import RequestDraft
from app.workflow.states import PartnershipStatus, ReleaseBasis, Role
from app.workflow.store import Store

T = TypeVar("T")

OPERATOR = Actor(Role.OPERATOR, UUID(int=1), "verifier operator")


class ServiceDriver:
    """Calls the workflow services directly, one store transaction per call."""

    wire_level = False
    filing_burst_limit: int | None = None

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
    def create_agency(
        self,
        *,
        name: str,
        lat: float,
        lng: float,
        radius_m: float,
        federal: bool = False,
        verified: bool = True,
    ) -> Outcome:
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
                    federal=federal,
                    verified=verified,
                ).id
            )
        )

    def set_partnership(
        self,
        agency_id: UUID,
        status: PartnershipStatus,
        starts_at: datetime,
        *,
        promotion_duty: bool = False,
    ) -> Outcome:
        return self._act(
            lambda ctx: (
                operator.set_partnership(
                    ctx,
                    OPERATOR,
                    agency_id=agency_id,
                    status=status,
                    starts_at=starts_at,
                    promotion_duty=promotion_duty,
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

    # --- the operator's review ----------------------------------------------------------
    def approve_request(self, request_id: UUID) -> Outcome:
        return self._act(
            lambda ctx: moderation.approve_request(ctx, OPERATOR, request_id=request_id).id
        )

    def reject_request(self, request_id: UUID, reason: str) -> Outcome:
        return self._act(
            lambda ctx: (
                moderation.reject_request(ctx, OPERATOR, request_id=request_id, reason=reason).id
            )
        )

    def approve_exception(self, request_id: UUID, justification: str) -> Outcome:
        """The operator's exception step (it logs the approval, then runs the gate)."""
        return self._act(
            lambda ctx: (
                exceptions.approve_exception(
                    ctx, OPERATOR, request_id=request_id, justification=justification
                ).request.id
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
