"""Fan-out: find the cameras in a 0.5-square-mile request, through the H3 cell index, against
a full scan of the camera table, at 10,000 / 100,000 / 1,000,000 cameras.

Cameras are spread uniformly over a 100 km x 100 km metro region (10,000 km^2, about the size
of a large US metro area), so density grows with the count: about 1.3, 13 and 130 cameras fall
in one request at the three sizes. The indexed path is the service's own
(`app/workflow/area.py:cameras_in_circle` over `SqlStore.cameras_in_cells`, an index-only scan of
the covering index `ix_camera_cell_covering`); the full scan is
one SQL query that reads every camera row (no index on lat/lng) and keeps those inside the
circle's bounding box, then the same exact distance test.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import insert, text

from app.clock import SimulatedClock
from app.db import Database
from app.policies import load_policy
from app.store import tables as t
from app.workflow.area import cameras_in_circle
from app.workflow.context import Ctx
from app.workflow.geo import distance_m, index_cell

CENTRE = (40.0, -75.0)
HALF_SIDE_M = 50_000.0
SQ_M_PER_SQ_MI = 2_589_988.11
RADIUS_M = math.sqrt(0.5 * SQ_M_PER_SQ_MI / math.pi)  # 642 m: a 0.5 sq mi circle
SIZES = (10_000, 100_000, 1_000_000)
CAMERAS_PER_RESIDENT = 10
WARM_UP = 6
NOW = datetime(2026, 11, 30, tzinfo=UTC)


@dataclass
class FanoutFigure:
    backend: str
    cameras: int
    found_median: float
    index_median_ms: float
    index_p95_ms: float
    scan_median_ms: float

    @property
    def ratio(self) -> float:
        return self.scan_median_ms / self.index_median_ms


def _point(rng: random.Random) -> tuple[float, float]:
    north, east = rng.uniform(-HALF_SIDE_M, HALF_SIDE_M), rng.uniform(-HALF_SIDE_M, HALF_SIDE_M)
    lat = CENTRE[0] + north / 111_320
    return lat, CENTRE[1] + east / (111_320 * math.cos(math.radians(CENTRE[0])))


def _rows(
    start: int, stop: int, rng: random.Random
) -> Iterator[tuple[list[dict[str, object]], list[dict[str, object]]]]:
    chunk = 20_000
    for lo in range(start, stop, chunk):
        residents, cameras = [], []
        for i in range(lo, min(stop, lo + chunk)):
            if i % CAMERAS_PER_RESIDENT == 0:
                residents.append(
                    {
                        "id": UUID(int=i // CAMERAS_PER_RESIDENT + 1),
                        "name": "r",
                        "contact": "c",
                        "opted_out": False,
                        "encrypt_by_default": False,
                        "created_at": NOW,
                    }
                )
            lat, lng = _point(rng)
            cameras.append(
                {
                    "id": UUID(int=(1 << 64) + i),
                    "resident_id": UUID(int=i // CAMERAS_PER_RESIDENT + 1),
                    "label": "",
                    "lat": lat,
                    "lng": lng,
                    "cell": index_cell(lat, lng),
                    "end_to_end_encrypted": False,
                    "created_at": NOW,
                }
            )
        yield residents, cameras


def add_cameras(db: Database, start: int, stop: int, rng: random.Random) -> None:
    for residents, cameras in _rows(start, stop, rng):
        with db.engine.begin() as connection:
            if residents:
                connection.execute(insert(t.ResidentRow), residents)
            connection.execute(insert(t.CameraRow), cameras)
    # Fresh statistics for the planner; on PostgreSQL also the visibility map, without which an
    # index-only scan still visits the table (autovacuum does this for a live database).
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("VACUUM ANALYZE camera" if postgres else "ANALYZE"))


def _scan(db: Database, lat: float, lng: float) -> int:
    dlat = RADIUS_M / 111_320
    dlng = RADIUS_M / (111_320 * math.cos(math.radians(lat)))
    query = text(
        "SELECT id, lat, lng FROM camera WHERE lat BETWEEN :a AND :b AND lng BETWEEN :c AND :d"
    )
    with db.engine.connect() as connection:
        rows = connection.execute(
            query, {"a": lat - dlat, "b": lat + dlat, "c": lng - dlng, "d": lng + dlng}
        ).all()
    return sum(1 for r in rows if distance_m(lat, lng, r.lat, r.lng) <= RADIUS_M)


def _median_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def measure(
    db: Database, backend: str, cameras: int, *, queries: int = 60, scans: int = 5
) -> FanoutFigure:
    rng = random.Random(cameras)
    policy = load_policy("privacy-by-design")
    clock = SimulatedClock(NOW)
    centres = [_point(rng) for _ in range(queries)]
    # Untimed warm-up elsewhere in the region: the connection, psycopg's prepared statement
    # (made on a statement's fifth use), the h3 tables. The figure is the steady state.
    for lat, lng in [_point(random.Random(-cameras)) for _ in range(WARM_UP)]:
        with db.read() as store:
            cameras_in_circle(Ctx(store=store, clock=clock, policy=policy), lat, lng, RADIUS_M)
    index_ms, found = [], []
    for lat, lng in centres:
        with db.read() as store:
            ctx = Ctx(store=store, clock=clock, policy=policy)
            began = time.perf_counter()
            hits = cameras_in_circle(ctx, lat, lng, RADIUS_M)
            index_ms.append((time.perf_counter() - began) * 1000)
        found.append(len(hits))
    scan_ms = []
    for lat, lng in centres[:scans]:
        began = time.perf_counter()
        _scan(db, lat, lng)
        scan_ms.append((time.perf_counter() - began) * 1000)
    # The two paths must agree, or the comparison means nothing.
    lat, lng = centres[0]
    assert _scan(db, lat, lng) == found[0], "index and scan disagree"
    median, p95 = _median_p95(index_ms)
    return FanoutFigure(
        backend, cameras, statistics.median(found), median, p95, statistics.median(scan_ms)
    )


def run(db: Database, backend: str, sizes: tuple[int, ...] = SIZES) -> list[FanoutFigure]:
    db.create_schema()
    rng = random.Random(2026)
    figures, have = [], 0
    for size in sizes:
        add_cameras(db, have, size, rng)
        have = size
        figures.append(measure(db, backend, size))
    return figures
