"""Seed the demo city through the same workflow services the API uses.

Idempotent: a database that already has agencies is left as it is; demo tokens are minted
afresh each time and written to var/demo.env for the README walkthrough.

Run as `consentgate seed` or `python -m scripts.seed`.
"""

from __future__ import annotations

import math
import random
import shlex
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console

from app.config import Settings
from app.files import write_atomic
from app.runtime import Runtime
from app.security import mint_token
from app.workflow import operator as ops
from app.workflow.context import SYSTEM, Actor, Ctx
from app.workflow.records import Agency, Camera, Resident
from app.workflow.states import PartnershipStatus, Role

SEED = 20181  # fixed: the same demo city every time
CITY_LAT, CITY_LNG = 28.0395, -81.9498  # a synthetic city; no real addresses are used
DEMO_AGENCY = "Lakeview Police Department"
DEMO_RESIDENT = "Dana Demo"
# The demo resident's camera and, 40 m away, the incident the walkthrough asks about.
DEMO_CAMERA = (CITY_LAT + 0.0021, CITY_LNG - 0.0017)
INCIDENT = (DEMO_CAMERA[0] + 0.00036, DEMO_CAMERA[1])


@dataclass(frozen=True)
class Neighborhood:
    name: str
    dlat: float
    dlng: float
    radius_m: float
    households: int
    adoption: float  # share of households with a camera


NEIGHBORHOODS = (
    Neighborhood("Old Town", 0.002, -0.002, 600, 220, 0.6),
    Neighborhood("Lakeside", -0.012, 0.010, 700, 180, 0.5),
    Neighborhood("Harbor", 0.015, 0.016, 800, 140, 0.4),
    Neighborhood("Northgate", 0.030, -0.010, 900, 120, 0.3),
)


def _point_near(rng: random.Random, lat: float, lng: float, radius_m: float) -> tuple[float, float]:
    r = radius_m * math.sqrt(rng.random())
    theta = rng.random() * 2 * math.pi
    dlat = (r * math.cos(theta)) / 111_320
    dlng = (r * math.sin(theta)) / (111_320 * math.cos(math.radians(lat)))
    return lat + dlat, lng + dlng


def _clip_span(day_start: datetime, rng: random.Random) -> tuple[datetime, datetime]:
    start = day_start + timedelta(minutes=rng.randrange(0, 24 * 60 - 30))
    return start, start + timedelta(minutes=rng.choice((1, 2, 5, 10)))


def build_city(ctx: Ctx, rng: random.Random) -> None:
    now = ctx.clock.now()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    lakeview = ops.create_agency(
        ctx,
        SYSTEM,
        name=DEMO_AGENCY,
        jurisdiction="City of Lakeview",
        center_lat=CITY_LAT,
        center_lng=CITY_LNG,
        radius_m=6000,
    )
    # 2018 Lakeland-style terms: free units and a promotion duty (DESIGN.md).
    ops.set_partnership(
        ctx,
        SYSTEM,
        agency_id=lakeview.id,
        status=PartnershipStatus.ACTIVE,
        starts_at=now - timedelta(days=400),
        free_units=15,
        promotion_duty=True,
        credit_per_download=10.0,
    )
    harbor = ops.create_agency(
        ctx,
        SYSTEM,
        name="Harbor County Sheriff",
        jurisdiction="Harbor County",
        center_lat=CITY_LAT + 0.015,
        center_lng=CITY_LNG + 0.016,
        radius_m=4000,
    )
    # From 2020 joining was free, with no promotion duty.
    ops.set_partnership(
        ctx,
        SYSTEM,
        agency_id=harbor.id,
        status=PartnershipStatus.ACTIVE,
        starts_at=now - timedelta(days=90),
    )
    ops.create_agency(
        ctx,
        SYSTEM,
        name="Northgate Police",
        jurisdiction="Northgate",
        center_lat=CITY_LAT + 0.03,
        center_lng=CITY_LNG - 0.01,
        radius_m=3000,
    )
    for hood in NEIGHBORHOODS:
        for n in range(hood.households):
            if rng.random() >= hood.adoption:
                continue
            resident = ops.create_resident(
                ctx,
                SYSTEM,
                name=f"{hood.name} Resident {n + 1}",
                contact=f"resident{n + 1}.{hood.name.lower().replace(' ', '')}@example.org",
                encrypt_by_default=rng.random() < 0.1,
            )
            lat, lng = _point_near(rng, CITY_LAT + hood.dlat, CITY_LNG + hood.dlng, hood.radius_m)
            camera = ops.create_camera(
                ctx, SYSTEM, resident_id=resident.id, lat=lat, lng=lng, label="front door"
            )
            for day in range(1, 8):
                if rng.random() < 0.5:
                    start, end = _clip_span(midnight - timedelta(days=day), rng)
                    ops.create_clip(ctx, SYSTEM, camera_id=camera.id, starts_at=start, ends_at=end)
    dana = ops.create_resident(ctx, SYSTEM, name=DEMO_RESIDENT, contact="dana@example.org")
    camera = ops.create_camera(
        ctx,
        SYSTEM,
        resident_id=dana.id,
        lat=DEMO_CAMERA[0],
        lng=DEMO_CAMERA[1],
        label="porch",
        end_to_end_encrypted=False,
    )
    yesterday = midnight - timedelta(days=1)
    for minute in (600, 620):  # 10:00 and 10:20 UTC yesterday: the walkthrough's two clips
        start = yesterday + timedelta(minutes=minute)
        ops.create_clip(
            ctx, SYSTEM, camera_id=camera.id, starts_at=start, ends_at=start + timedelta(minutes=5)
        )


def seed_demo(
    settings: Settings,
    *,
    env_file: Path,
    console: Console,
    runtime: Runtime | None = None,
    url: str = "http://127.0.0.1:8000",
) -> None:
    """`runtime`: seed a running app's database with its clock (the web tests' served app).
    `url`: the service's address, $CG in `env_file` (the walkthrough's curl commands use it)."""
    runtime = runtime or Runtime.build(settings)
    rng = random.Random(SEED)
    id_rng = random.Random(SEED + 1)

    def seeded_id() -> uuid.UUID:
        return uuid.UUID(int=id_rng.getrandbits(128), version=4)

    if runtime.read(lambda ctx: ctx.store.count(Agency)) == 0:
        with runtime.db.write() as store:
            build_city(Ctx(store, runtime.clock, runtime.policy, seeded_id), rng)
        console.print("Seeded the demo city.")
    else:
        console.print("The database already has a city; leaving it as it is.")

    def lookup(ctx: Ctx) -> tuple[Agency, Agency, Resident, int, int]:
        agencies = {a.name: a for a in ctx.store.find(Agency)}
        dana = next(r for r in ctx.store.find(Resident) if r.name == DEMO_RESIDENT)
        return (
            agencies[DEMO_AGENCY],
            agencies["Harbor County Sheriff"],
            dana,
            ctx.store.count(Resident),
            ctx.store.count(Camera),
        )

    lakeview, harbor, dana, residents, cameras = runtime.read(lookup)
    now = runtime.clock.now()
    life = timedelta(minutes=settings.token_minutes)

    def tok(role: Role, subject: uuid.UUID, name: str = "") -> str:
        return mint_token(runtime.tokens, Actor(role, subject, name), now=now, lifetime=life)

    yesterday = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    values = {
        "CG": url.rstrip("/"),
        "OPERATOR_TOKEN": tok(Role.OPERATOR, uuid.uuid4()),
        "AGENCY_TOKEN": tok(Role.AGENCY, lakeview.id, "Officer Riley"),
        "OTHER_AGENCY_TOKEN": tok(Role.AGENCY, harbor.id, "Deputy Shaw"),
        "RESIDENT_TOKEN": tok(Role.RESIDENT, dana.id),
        "AUDITOR_TOKEN": tok(Role.AUDITOR, uuid.uuid4()),
        "INCIDENT_LAT": f"{INCIDENT[0]:.6f}",
        "INCIDENT_LNG": f"{INCIDENT[1]:.6f}",
        "WINDOW_START": (yesterday + timedelta(minutes=590)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "WINDOW_END": (yesterday + timedelta(minutes=640)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    # Bearer tokens, the operator's among them: 0600 (was 0644, readable by anyone on the
    # machine), and never written through a link planted at the name.
    # Quoted for the shell that sources the file (tokens and plain addresses need none).
    text = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in values.items())
    write_atomic(env_file, text.encode(), private=True)
    console.print(f"{residents} residents, {cameras} cameras. Demo tokens (valid {life}):")
    for key in ("OPERATOR_TOKEN", "AGENCY_TOKEN", "RESIDENT_TOKEN", "AUDITOR_TOKEN"):
        console.print(f"  {key}={values[key]}", soft_wrap=True)
    console.print(  # the path stays on one line, to copy, whatever the width
        f"These and the walkthrough's values are in {env_file}: `source {env_file}`",
        soft_wrap=True,
    )


if __name__ == "__main__":
    settings = Settings()
    seed_demo(settings, env_file=settings.demo_env_path(), console=Console())
