"""Policies for parameter tests, and a few builders the shared factories do not offer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from app.policies import StandardPolicy, load_policy
from app.policies.params import PolicyParams
from app.workflow.states import Role
from tests.factories import CITY, Agency, Resident, World, iso, offset

BASE = load_policy("privacy-by-design").params


def policy_with(**overrides: Any) -> StandardPolicy:
    """The default policy with some parameters changed (validated like a TOML file)."""
    name = "test:" + ",".join(f"{k}={v}" for k, v in sorted(overrides.items()))
    return StandardPolicy(name, PolicyParams.from_mapping(BASE, overrides))


def agency_with(
    world: World,
    *,
    verified: bool = True,
    federal: bool = False,
    promotion_duty: bool = False,
    name: str = "Agency",
) -> Agency:
    """An agency with chosen eligibility facts and an active partnership."""
    body = {
        "name": name,
        "jurisdiction": name,
        "center_lat": CITY[0],
        "center_lng": CITY[1],
        "radius_m": 3000,
        "verified": verified,
        "federal": federal,
    }
    agency_id = UUID(world.ok("POST", "/operator/agencies", world.operator, json=body)["id"])
    world.ok(
        "PUT",
        f"/operator/agencies/{agency_id}/partnership",
        world.operator,
        json={
            "status": "active",
            "starts_at": iso(world.clock.now() - timedelta(days=1)),
            "promotion_duty": promotion_duty,
        },
    )
    return Agency(agency_id, world.headers(Role.AGENCY, agency_id, "Officer Test"))


def resident_with(
    world: World, *, encrypted: bool | None = None, north_m: float = 0, clips: int = 2
) -> Resident:
    """A resident whose camera's encryption is chosen (None: the policy's default)."""
    body: dict[str, Any] = {"name": "Enc Resident", "contact": "enc@example.org"}
    if encrypted is not None:
        body["encrypt_by_default"] = encrypted
    resident_id = UUID(world.ok("POST", "/operator/residents", world.operator, json=body)["id"])
    resident = Resident(resident_id, world.headers(Role.RESIDENT, resident_id))
    lat, lng = offset(*CITY, north_m, 0)
    camera = world.ok(
        "POST",
        f"/operator/residents/{resident_id}/cameras",
        world.operator,
        json={"lat": lat, "lng": lng},
    )
    resident.cameras.append(UUID(camera["id"]))
    start = world.clock.now() - timedelta(hours=3)
    for i in range(clips):
        s = start + timedelta(minutes=10 * i)
        clip = world.ok(
            "POST",
            f"/operator/cameras/{camera['id']}/clips",
            world.operator,
            json={"starts_at": iso(s), "ends_at": iso(s + timedelta(minutes=5))},
        )
        resident.clips.append(UUID(clip["id"]))
    return resident


def post(world: World, url: str, headers: dict[str, str], **kw: Any) -> Any:
    return world.client.post(url, headers=headers, **kw)
