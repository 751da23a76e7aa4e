"""Synthetic cities, built through the same operator services the REST API calls.

Each household with a camera becomes one resident with one camera at a random point of its
neighborhood's disc. Agencies get their partnerships with the scenario's dates and terms.
Nothing here writes a record directly: the workflow services do, with their audit entries.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

from app.sim.scenario import AgencySpec, Neighborhood, Scenario
from app.sim.store import StepRunner
from app.workflow import operator, responses
from app.workflow.context import SYSTEM, Ctx
from app.workflow.states import PartnershipStatus

METRES_PER_DEGREE_LAT = 111_320.0
HOUSEHOLDS_PER_STEP = 1_000  # at the equator; longitude shrinks with cos(latitude)


def offset_point(lat: float, lng: float, east_m: float, north_m: float) -> tuple[float, float]:
    """A point `east_m` east and `north_m` north of (lat, lng), flat-earth (fine below 20 km)."""
    dlat = north_m / METRES_PER_DEGREE_LAT
    dlng = east_m / (METRES_PER_DEGREE_LAT * math.cos(math.radians(lat)))
    return lat + dlat, lng + dlng


def point_in_disc(
    rng: random.Random, lat: float, lng: float, radius_m: float
) -> tuple[float, float]:
    """A uniform random point in a disc (sqrt of the radius fraction: uniform by area)."""
    r = radius_m * math.sqrt(rng.random())
    theta = rng.random() * 2.0 * math.pi
    return offset_point(lat, lng, r * math.cos(theta), r * math.sin(theta))


@dataclass
class CityIndex:
    """What the engine needs to know about the city it built, by the ids the services gave."""

    hood_centres: dict[str, tuple[float, float]] = field(default_factory=dict)
    # Residents and cameras by their id's number (UUID.int): hashed in C, where a UUID hashes
    # in uuid.py, and the engine asks at every notice and every camera a request reaches.
    hood_of_resident: dict[int, str] = field(default_factory=dict)
    group_of_hood: dict[str, str] = field(default_factory=dict)
    households_by_group: dict[str, int] = field(default_factory=dict)
    residents_by_group: dict[str, int] = field(default_factory=dict)
    subscribed_cameras: set[int] = field(default_factory=set)
    agency_ids: dict[str, UUID] = field(default_factory=dict)
    agencies_by_hood: dict[str, list[str]] = field(default_factory=dict)
    cameras: int = 0


def _agency_circle(s: Scenario, spec: AgencySpec) -> tuple[float, float, float]:
    """A jurisdiction circle covering every neighborhood the agency serves."""
    hoods = {n.id: n for n in s.city.neighborhoods}
    served = [hoods[h] for h in spec.serves]
    east = sum(n.east_m for n in served) / len(served)
    north = sum(n.north_m for n in served) / len(served)
    reach = max(math.hypot(n.east_m - east, n.north_m - north) + n.radius_m for n in served)
    lat, lng = offset_point(s.city.center_lat, s.city.center_lng, east, north)
    return lat, lng, reach


def build_agencies(ctx: Ctx, s: Scenario, index: CityIndex, start: datetime) -> None:
    for spec in s.agencies:
        lat, lng, reach = _agency_circle(s, spec)
        agency = operator.create_agency(
            ctx,
            SYSTEM,
            name=spec.name,
            jurisdiction=", ".join(spec.serves),
            center_lat=lat,
            center_lng=lng,
            radius_m=reach,
            federal=spec.federal,
        )
        end = spec.partnership_end_day
        operator.set_partnership(
            ctx,
            SYSTEM,
            agency_id=agency.id,
            status=PartnershipStatus.ACTIVE,
            starts_at=start + timedelta(days=spec.partnership_start_day),
            ends_at=None if end is None else start + timedelta(days=end),
            free_units=spec.free_units,
            promotion_duty=spec.promotion_duty,
            credit_per_download=spec.credit_per_download,
        )
        index.agency_ids[spec.id] = agency.id
        for hood_id in spec.serves:
            index.agencies_by_hood.setdefault(hood_id, []).append(spec.id)


def build_neighborhood(
    run: StepRunner, s: Scenario, hood: Neighborhood, rng: random.Random, index: CityIndex
) -> None:
    lat, lng = offset_point(s.city.center_lat, s.city.center_lng, hood.east_m, hood.north_m)
    index.hood_centres[hood.id] = (lat, lng)
    index.group_of_hood[hood.id] = hood.group
    index.households_by_group[hood.group] = (
        index.households_by_group.get(hood.group, 0) + hood.households
    )
    residents = 0
    for first in range(0, hood.households, HOUSEHOLDS_PER_STEP):
        households = range(first, min(first + HOUSEHOLDS_PER_STEP, hood.households))
        residents += run(
            partial(
                _households,
                s=s,
                hood=hood,
                centre=(lat, lng),
                households=households,
                rng=rng,
                index=index,
            )
        )
    if residents:  # a group none of whose households has a camera gets no entry, as before
        index.residents_by_group[hood.group] = (
            index.residents_by_group.get(hood.group, 0) + residents
        )
    index.cameras += residents


def _households(
    ctx: Ctx,
    s: Scenario,
    hood: Neighborhood,
    centre: tuple[float, float],
    households: range,
    rng: random.Random,
    index: CityIndex,
) -> int:
    """Households `households` of the neighborhood, in order; the residents made."""
    lat, lng = centre
    subscription = s.resident_behaviour.subscription_rate
    adoption, encryption = hood.camera_adoption, hood.encryption_adoption
    opt_out, draw = hood.opt_out_rate, rng.random
    residents = 0
    for n in households:
        if draw() >= adoption:
            continue
        encrypted = draw() < encryption
        opted_out = draw() < opt_out
        subscribed = draw() < subscription
        cam_lat, cam_lng = point_in_disc(rng, lat, lng, hood.radius_m)
        resident = operator.create_resident(
            ctx,
            SYSTEM,
            name=f"{hood.id} household {n + 1}",
            contact=f"household{n + 1}.{hood.id}@example.org",
            encrypt_by_default=encrypted,
        )
        camera = operator.create_camera(
            ctx, SYSTEM, resident_id=resident.id, lat=cam_lat, lng=cam_lng, label="front door"
        )
        if opted_out:
            responses.update_settings(
                ctx, SYSTEM, resident_id=resident.id, opted_out=True, encrypt_by_default=None
            )
        index.hood_of_resident[resident.id.int] = hood.id
        residents += 1
        if subscribed:
            index.subscribed_cameras.add(camera.id.int)
    return residents


def build_city(run: StepRunner, s: Scenario, rng: random.Random) -> CityIndex:
    """Agencies first, then each neighborhood in file order: the order fixes the ids.

    One step (one transaction, with `--db`) for the agencies and one per
    `HOUSEHOLDS_PER_STEP` households, as the REST service registers them a request at a time:
    the whole city in one transaction held every row in the session and grew SQLite's
    write-ahead log without bound (a million-camera city: gigabytes of both before its first
    commit). The steps run in order, so the draws, the ids and the log are those of one step."""
    index = CityIndex()
    run(lambda ctx: build_agencies(ctx, s, index, ctx.clock.now()))
    for hood in s.city.neighborhoods:
        build_neighborhood(run, s, hood, rng, index)
    return index
