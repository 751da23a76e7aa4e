"""Small factories that build data through the HTTP API, as a user would."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.clock import SimulatedClock
from app.security import MAX_TOKEN_MINUTES, mint_token
from app.workflow.context import Actor
from app.workflow.states import Role

CITY = (40.0, -75.0)


def offset(lat: float, lng: float, north_m: float, east_m: float) -> tuple[float, float]:
    return (
        lat + north_m / 111_320,
        lng + east_m / (111_320 * math.cos(math.radians(lat))),
    )


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


@dataclass
class Agency:
    id: UUID
    headers: dict[str, str]


@dataclass
class Resident:
    id: UUID
    headers: dict[str, str]
    cameras: list[UUID] = field(default_factory=list)
    clips: list[UUID] = field(default_factory=list)


class World:
    """A fresh city in a fresh database, built through the API."""

    def __init__(self, client: TestClient, app: FastAPI, clock: SimulatedClock) -> None:
        self.client = client
        self.app = app
        self.clock = clock
        self.operator = self.headers(Role.OPERATOR, uuid4())
        self.auditor = self.headers(Role.AUDITOR, uuid4())

    def headers(self, role: Role, subject: UUID, name: str = "") -> dict[str, str]:
        runtime = self.app.state.runtime
        token = mint_token(
            runtime.tokens,
            Actor(role, subject, name),
            now=self.clock.now(),
            lifetime=timedelta(minutes=MAX_TOKEN_MINUTES),  # the longest decode_token accepts
        )
        return {"Authorization": f"Bearer {token}"}

    def ok(self, method: str, url: str, headers: dict[str, str], **kw: Any) -> Any:
        response = self.client.request(method, url, headers=headers, **kw)
        assert response.status_code < 300, (method, url, response.status_code, response.text)
        return response.json()

    def state_changes(self) -> int:
        """Audit entries that record a state change; `decision.*` records (refusals are logged
        as decisions after their rollback) are not state changes."""
        actions: list[str] = []
        start: int | None = 0
        while start is not None:
            page = self.ok("GET", f"/audit/entries?start={start}&limit=500", self.auditor)
            actions += [e["action"] for e in page["data"]]
            start = page["next_start"]
        return sum(1 for a in actions if not a.startswith("decision."))

    def agency(self, *, partnered: bool = True, name: str = "Agency") -> Agency:
        body = {
            "name": name,
            "jurisdiction": name,
            "center_lat": CITY[0],
            "center_lng": CITY[1],
            "radius_m": 3000,
        }
        agency_id = UUID(self.ok("POST", "/operator/agencies", self.operator, json=body)["id"])
        if partnered:
            self.ok(
                "PUT",
                f"/operator/agencies/{agency_id}/partnership",
                self.operator,
                json={"status": "active", "starts_at": iso(self.clock.now() - timedelta(days=1))},
            )
        return Agency(agency_id, self.headers(Role.AGENCY, agency_id, "Officer Test"))

    def resident(
        self,
        *,
        north_m: float = 0,
        east_m: float = 0,
        clips: int = 2,
        clip_start: datetime | None = None,
        name: str = "Resident",
    ) -> Resident:
        body = {"name": name, "contact": f"{name.lower().replace(' ', '.')}@example.org"}
        resident_id = UUID(self.ok("POST", "/operator/residents", self.operator, json=body)["id"])
        resident = Resident(resident_id, self.headers(Role.RESIDENT, resident_id))
        lat, lng = offset(*CITY, north_m, east_m)
        camera = self.ok(
            "POST",
            f"/operator/residents/{resident_id}/cameras",
            self.operator,
            json={"lat": lat, "lng": lng, "label": "porch"},
        )
        resident.cameras.append(UUID(camera["id"]))
        start = clip_start or self.clock.now() - timedelta(hours=3)
        for i in range(clips):
            s = start + timedelta(minutes=10 * i)
            clip = self.ok(
                "POST",
                f"/operator/cameras/{camera['id']}/clips",
                self.operator,
                json={"starts_at": iso(s), "ends_at": iso(s + timedelta(minutes=5))},
            )
            resident.clips.append(UUID(clip["id"]))
        return resident

    def request_body(
        self,
        *,
        radius_m: float = 200,
        case: str | None = None,
        incident_type: str = "burglary",
        start: datetime | None = None,
        hours: float = 1.0,
        **area: float,
    ) -> dict[str, Any]:
        start = start or self.clock.now() - timedelta(hours=3, minutes=5)
        return {
            "case_number": case or f"CASE-{uuid4().hex[:8]}",
            "incident_type": incident_type,
            "description": "Test incident",
            "area": {
                "center_lat": area.get("lat", CITY[0]),
                "center_lng": area.get("lng", CITY[1]),
                "radius_m": radius_m,
            },
            "window": {"start": iso(start), "end": iso(start + timedelta(hours=hours))},
        }

    def file(self, agency: Agency, **kw: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.ok(
            "POST", "/portal/requests", agency.headers, json=self.request_body(**kw)
        )
        return result

    def share(self, resident: Resident, request_id: str, clip_ids: list[UUID]) -> dict[str, Any]:
        result: dict[str, Any] = self.ok(
            "POST",
            f"/me/requests/{request_id}/share",
            resident.headers,
            json={"clip_ids": [str(c) for c in clip_ids]},
        )
        return result
