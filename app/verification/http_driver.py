"""The same actions through the REST API, in process: what an agency receives is what it read.

Each example gets a fresh app over a fresh database (a new SQLite file, or a new PostgreSQL
schema), so no state leaks from one explored history into the next, and the app's ids come from
a seeded source, so a replayed history gets the same ids. Every agency response is returned
whole (`AgencyRead.text`) for the I4 scan.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.clock import SimulatedClock
from app.config import Settings
from app.endpoint_caches import forget_endpoint_callables
from app.main import create_app
from app.policies.base import Policy
from app.ratelimit import EdgeLimitSettings
from app.runtime import Runtime
from app.security import mint_token
from app.verification.driver_api import AgencyRead, Outcome, Snapshot
from app.verification.fresh_database import FreshDatabase, seeded_ids
from app.verification.service_driver import OPERATOR, ServiceDriver
from app.workflow.context import Actor, Ctx
from app.workflow.requests import RequestDraft
from app.workflow.states import PartnershipStatus, ReleaseBasis, RequestKind, Role

T = TypeVar("T")
SECRET = "verification-only-secret-" + "v" * 40
# The same operator subject as the service driver's, so both levels log the same actor.
OPERATOR_ID = OPERATOR.subject

AppHook = Callable[[FastAPI], None]


def _iso(t: datetime) -> str:
    return t.isoformat()


class HttpDriver:
    """Drives the REST API with a TestClient; platform-internal steps go through the runtime."""

    wire_level = True

    def __init__(
        self,
        policy: Policy,
        clock: SimulatedClock,
        *,
        postgres_url: str = "",
        app_hook: AppHook | None = None,
    ) -> None:
        self.policy = policy
        self.clock = clock
        self._fresh = FreshDatabase(postgres_url)
        database_url = self._fresh.url if postgres_url else None
        settings = Settings(
            env="test",
            db_path=self._fresh.sqlite_path,
            database_url=database_url,
            secret=SECRET,
            secret_file=self._fresh.sqlite_path.with_name("secret.key"),
            # Time passes only by the machine's rules: no background tick behind the model's back.
            tick_seconds=0,
        )
        # Seeded ids, as at the service level: the same seed gives the same ids and trace.
        self.app = create_app(settings, clock=clock, policy=policy, new_id=seeded_ids(0))
        if app_hook is not None:
            app_hook(self.app)
        self.client = TestClient(self.app)
        self.runtime: Runtime = self.app.state.runtime
        self.filing_burst_limit: int | None = EdgeLimitSettings().filings_per_hour
        # Internal platform steps (sweeper, gate) reuse the service driver over the same runtime.
        self._internal = _RuntimeDriver(self.runtime, policy, clock)

    # --- plumbing -----------------------------------------------------------------------
    def _headers(self, role: Role, subject: UUID, name: str = "") -> dict[str, str]:
        token = mint_token(
            self.runtime.tokens,
            Actor(role, subject, name),
            now=self.clock.now(),
            lifetime=timedelta(hours=1),
        )
        return {"Authorization": f"Bearer {token}"}

    def _call(
        self, method: str, url: str, role: Role, subject: UUID, body: Any = None
    ) -> tuple[int, Any, str, bytes]:
        name = "Officer Verify" if role is Role.AGENCY else ""
        response = self.client.request(
            method, url, headers=self._headers(role, subject, name), json=body
        )
        parsed: Any = None
        if response.headers.get("content-type", "").startswith("application/json"):
            parsed = response.json()
        return response.status_code, parsed, response.text, response.content

    def _act(self, method: str, url: str, role: Role, subject: UUID, body: Any = None) -> Outcome:
        status, parsed, _, _ = self._call(method, url, role, subject, body)
        if status >= 500:
            raise RuntimeError(f"{method} {url} answered {status}")
        if status >= 300:
            return Outcome(False, code=str((parsed or {}).get("code", status)))
        value = None
        digest = ""
        if isinstance(parsed, dict):
            for key in ("id", "consent", "request"):
                if key in parsed:
                    inner = parsed[key]
                    value = UUID(inner["id"] if isinstance(inner, dict) else inner)
                    break
            digest = str(parsed.get("digest", ""))
        return Outcome(True, value, digest=digest)

    def _read(self, url: str, agency_id: UUID, method: str = "GET") -> AgencyRead:
        status, parsed, text, content = self._call(method, url, Role.AGENCY, agency_id)
        if status >= 500:
            raise RuntimeError(f"{method} {url} answered {status}")
        if status >= 300:
            return AgencyRead(False, body=parsed, text=text, code=str((parsed or {}).get("code")))
        return AgencyRead(True, body=parsed, text=text, content=content)

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
        body = {
            "name": name,
            "jurisdiction": name,
            "center_lat": lat,
            "center_lng": lng,
            "radius_m": radius_m,
            "federal": federal,
            "verified": verified,
        }
        return self._act("POST", "/operator/agencies", Role.OPERATOR, OPERATOR_ID, body)

    def set_partnership(
        self,
        agency_id: UUID,
        status: PartnershipStatus,
        starts_at: datetime,
        *,
        promotion_duty: bool = False,
    ) -> Outcome:
        body = {
            "status": status.value,
            "starts_at": _iso(starts_at),
            "promotion_duty": promotion_duty,
        }
        url = f"/operator/agencies/{agency_id}/partnership"
        return self._act("PUT", url, Role.OPERATOR, OPERATOR_ID, body)

    def create_resident(self, *, name: str, contact: str) -> Outcome:
        body = {"name": name, "contact": contact}
        return self._act("POST", "/operator/residents", Role.OPERATOR, OPERATOR_ID, body)

    def create_camera(
        self, resident_id: UUID, *, lat: float, lng: float, encrypted: bool
    ) -> Outcome:
        body = {"lat": lat, "lng": lng, "label": "porch", "end_to_end_encrypted": encrypted}
        url = f"/operator/residents/{resident_id}/cameras"
        return self._act("POST", url, Role.OPERATOR, OPERATOR_ID, body)

    def create_clip(self, camera_id: UUID, *, starts_at: datetime, ends_at: datetime) -> Outcome:
        body = {"starts_at": _iso(starts_at), "ends_at": _iso(ends_at)}
        url = f"/operator/cameras/{camera_id}/clips"
        return self._act("POST", url, Role.OPERATOR, OPERATOR_ID, body)

    # --- resident -----------------------------------------------------------------------
    def set_opt_out(self, resident_id: UUID, opted_out: bool) -> Outcome:
        outcome = self._act(
            "PUT", "/me/settings", Role.RESIDENT, resident_id, {"opted_out": opted_out}
        )
        return Outcome(outcome.ok, resident_id if outcome.ok else None, outcome.code)

    def share(self, resident_id: UUID, request_id: UUID, clip_ids: list[UUID]) -> Outcome:
        body = {"clip_ids": [str(c) for c in clip_ids]}
        url = f"/me/requests/{request_id}/share"
        return self._act("POST", url, Role.RESIDENT, resident_id, body)

    def decline(self, resident_id: UUID, request_id: UUID) -> Outcome:
        url = f"/me/requests/{request_id}/decline"
        outcome = self._act("POST", url, Role.RESIDENT, resident_id)
        return Outcome(outcome.ok, None, outcome.code)

    def withdraw(self, resident_id: UUID, consent_id: UUID) -> Outcome:
        url = f"/me/consents/{consent_id}/withdraw"
        return self._act("POST", url, Role.RESIDENT, resident_id)

    # --- agency -------------------------------------------------------------------------
    def file_request(self, agency_id: UUID, draft: RequestDraft) -> Outcome:
        body: dict[str, Any] = {
            "case_number": draft.case_number,
            "incident_type": draft.incident_type,
            "description": draft.description,
            "area": {
                "center_lat": draft.center_lat,
                "center_lng": draft.center_lng,
                "radius_m": draft.radius_m,
            },
            "window": {"start": _iso(draft.window_start), "end": _iso(draft.window_end)},
        }
        if draft.kind is RequestKind.CONSENT:
            return self._act("POST", "/portal/requests", Role.AGENCY, agency_id, body)
        # Emergency requests and legal demands have their own route; they notify no one.
        body |= {"kind": draft.kind.value, "justification": draft.justification}
        if draft.kind is RequestKind.LEGAL:
            body |= {
                "legal_process": draft.legal_process,
                "nondisclosure_order": draft.nondisclosure_order,
            }
        return self._act("POST", "/portal/exception-requests", Role.AGENCY, agency_id, body)

    def close(self, agency_id: UUID, request_id: UUID) -> Outcome:
        return self._act("POST", f"/portal/requests/{request_id}/close", Role.AGENCY, agency_id)

    # --- the operator's review ----------------------------------------------------------
    def approve_request(self, request_id: UUID) -> Outcome:
        url = f"/operator/requests/{request_id}/approve"
        return self._act("POST", url, Role.OPERATOR, OPERATOR_ID)

    def reject_request(self, request_id: UUID, reason: str) -> Outcome:
        url = f"/operator/requests/{request_id}/reject"
        return self._act("POST", url, Role.OPERATOR, OPERATOR_ID, {"reason": reason})

    def approve_exception(self, request_id: UUID, justification: str) -> Outcome:
        url = f"/operator/requests/{request_id}/exception"
        body = {"justification": justification}
        return self._act("POST", url, Role.OPERATOR, OPERATOR_ID, body)

    def read_map(self, agency_id: UUID) -> AgencyRead:
        return self._read("/portal/map", agency_id)

    def read_requests(self, agency_id: UUID) -> AgencyRead:
        return self._read("/portal/requests?limit=200", agency_id)

    def read_request(self, agency_id: UUID, request_id: UUID) -> AgencyRead:
        return self._read(f"/portal/requests/{request_id}", agency_id)

    def read_footage(self, agency_id: UUID, request_id: UUID) -> AgencyRead:
        return self._read(f"/portal/requests/{request_id}/footage", agency_id)

    def download(self, agency_id: UUID, release_id: UUID) -> AgencyRead:
        return self._read(f"/portal/footage/{release_id}", agency_id)

    # --- the platform: no agency-facing route, so through the same services ---------------
    def run_sweeper(self) -> Outcome:
        return self._internal.run_sweeper()

    def gate_attempt(
        self,
        *,
        clip_id: UUID,
        request_id: UUID,
        basis: ReleaseBasis,
        consent_id: UUID | None,
        justification: str,
    ) -> Outcome:
        return self._internal.gate_attempt(
            clip_id=clip_id,
            request_id=request_id,
            basis=basis,
            consent_id=consent_id,
            justification=justification,
        )

    def snapshot(self) -> Snapshot:
        return self._internal.snapshot()

    def close_driver(self) -> None:
        self.client.close()
        self.runtime.db.dispose()
        self._fresh.drop()
        forget_endpoint_callables()  # else FastAPI's caches keep every history's app alive


class _RuntimeDriver(ServiceDriver):
    """The service driver's platform steps, run in the HTTP app's own runtime."""

    def __init__(self, runtime: Runtime, policy: Policy, clock: SimulatedClock) -> None:
        super().__init__(policy, clock, database_url="")
        self._runtime = runtime

    def _run(self, step: Callable[[Ctx], T], *, write: bool = True) -> T:
        return self._runtime.write(step) if write else self._runtime.read(step)
