"""The dragnet: an agency tiles a neighbourhood with the smallest requests the policy allows, and
shifted copies of them, to locate cameras from the counts it is shown. What it learns under the
default policy is recorded in docs/security.md ("The dragnet"); `pytest -s` prints the figures.

Asserted here: the per-agency filing limit stretches the dragnet over hours (429 + Retry-After);
no tile with fewer than k cameras shows a count; the portal map shows no cell below k and the
same map twice; every tile is visible to the residents it reached and to auditors.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

import h3

from app.policies.base import SQ_METRES_PER_SQ_MILE
from app.workflow.records import Notice
from tests.factories import CITY, World, offset

RADIUS_M = 145.0  # the smallest circle above the policy's 0.025 sq mi minimum (143.6 m)
SPACING_M = 200.0  # a square grid of 145 m circles covers the plane (half-diagonal 141 m)
SHIFT_M = 30.0  # the differencing copy of each tile
SEED = 20261130
CAMERAS = 40
HALF_SIDE_M = 300.0  # a 600 m x 600 m neighbourhood


@dataclass
class Findings:
    tiles: int = 0
    filings: int = 0
    refused_429: int = 0
    hours_elapsed: float = 0.0
    revealed_tiles: int = 0
    suppressed_tiles: int = 0
    isolated_by_difference: int = 0
    smallest_region_m2: float = math.inf
    counts: dict[str, int | None] = field(default_factory=dict)
    truth: dict[str, int] = field(default_factory=dict)


def build_neighbourhood(world: World) -> None:
    rng = random.Random(SEED)
    for i in range(CAMERAS):
        north = rng.uniform(-HALF_SIDE_M, HALF_SIDE_M)
        east = rng.uniform(-HALF_SIDE_M, HALF_SIDE_M)
        world.resident(north_m=north, east_m=east, clips=0, name=f"Home {i}")


def file_tile(world: World, agency: Any, findings: Findings, north: float, east: float) -> dict:
    """File one tile; when the limit refuses, wait as Retry-After says and file again."""
    lat, lng = offset(*CITY, north, east)
    while True:
        body = world.request_body(lat=lat, lng=lng, radius_m=RADIUS_M)  # a fresh case number
        response = world.client.post("/portal/requests", json=body, headers=agency.headers)
        if response.status_code != 429:
            break
        findings.refused_429 += 1
        wait = int(response.headers["Retry-After"])
        assert 0 < wait <= 3600
        world.clock.advance(timedelta(seconds=wait))
    assert response.status_code == 201, response.text
    findings.filings += 1
    filed: dict[str, Any] = response.json()
    return filed


def run_dragnet(world: World) -> Findings:
    start = world.clock.now()
    agency = world.agency(name="Dragnet PD")
    build_neighbourhood(world)
    runtime = world.app.state.runtime
    findings = Findings()
    steps = int(HALF_SIDE_M // SPACING_M)
    grid = [i * SPACING_M for i in range(-steps, steps + 1)]
    lune_m2 = 2 * RADIUS_M * SHIFT_M  # the region in one tile and not in its shifted copy
    for north in grid:
        for east in grid:
            findings.tiles += 1
            tile = file_tile(world, agency, findings, north, east)
            shifted = file_tile(world, agency, findings, north, east + SHIFT_M)
            for name, filed in ((f"{north:+.0f},{east:+.0f}", tile), ("shift", shifted)):
                truth = runtime.read(
                    lambda ctx, rid=filed["id"]: ctx.store.count(Notice, request_id=UUID(rid))
                )
                shown = filed["response_counts"]["notified"]
                if name != "shift":
                    findings.counts[name], findings.truth[name] = shown, truth
                    if shown is None:
                        findings.suppressed_tiles += 1
                    else:
                        findings.revealed_tiles += 1
                # The property: a count below k is never shown, a count shown is exact.
                assert (shown is None) == (truth < 5), (name, shown, truth)
            a, b = tile["response_counts"]["notified"], shifted["response_counts"]["notified"]
            if a is not None and b is not None and a != b:
                findings.isolated_by_difference += abs(a - b)
                findings.smallest_region_m2 = min(findings.smallest_region_m2, lune_m2)
    findings.hours_elapsed = (world.clock.now() - start) / timedelta(hours=1)
    return findings


def test_dragnet_is_slowed_suppressed_and_visible(world: World) -> None:
    findings = run_dragnet(world)
    print(f"\ndragnet findings: {findings}")  # the figures docs/security.md records
    # The filing limit (10 an hour by default): 18 filings span at least one full hour, and
    # n filings at least ceil(n / 10) - 1 hours.
    assert findings.filings == 2 * findings.tiles == 18
    assert findings.refused_429 >= 1
    assert findings.hours_elapsed >= math.ceil(findings.filings / 10) - 1
    # Tiles with fewer than k cameras showed nothing; both kinds occur in this neighbourhood.
    assert findings.suppressed_tiles >= 1 and findings.revealed_tiles >= 1
    # Every tile reached the residents in it and is in the log, for them and auditors to see.
    entries = world.ok("GET", "/audit/entries?limit=1000", world.auditor)["data"]
    filed = [e for e in entries if e["action"] == "request.filed"]
    assert len(filed) == findings.filings
    assert len({e["data"]["case_number"] for e in filed}) == findings.filings  # a case per tile


def test_the_map_shows_no_cell_below_k_and_the_same_answer_twice(world: World) -> None:
    agency = world.agency(name="Map PD")
    build_neighbourhood(world)
    first = world.ok("GET", "/portal/map", agency.headers)
    second = world.ok("GET", "/portal/map", agency.headers)
    assert first == second
    assert all(c["count"] is None or c["count"] >= first["k"] for c in first["cells"])
    if first["mode"] != "noisy":  # noisy counts may add up to more than there are cameras
        assert sum(c["count"] or 0 for c in first["cells"]) <= CAMERAS
    cell_m2 = h3.average_hexagon_area(first["resolution"], unit="m^2")
    tile_m2 = math.pi * RADIUS_M**2
    # What the dragnet adds to the map: a tile is an order of magnitude finer than a cell.
    assert cell_m2 / tile_m2 > 10
    assert tile_m2 / SQ_METRES_PER_SQ_MILE >= 0.025
