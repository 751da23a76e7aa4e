"""The portal map in each mode, through the API: none, k-anonymous cells, noisy counts
(stable within a period, I5), and the 2018 heat map that locates single cameras."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import h3
import pytest

from app.policies import StandardPolicy
from app.workflow.geo import distance_m
from tests.factories import CITY, World, offset
from tests.policies.helpers import policy_with


def city(world: World) -> Any:
    """Seven cameras within 20 m of the city centre, and one alone 1.5 km away."""
    agency = world.agency()
    for i in range(7):
        world.resident(north_m=3 * i, clips=0, name=f"Dense {i}")
    world.resident(north_m=1500, east_m=1500, clips=0, name="Alone")
    return agency


DENSE8 = h3.latlng_to_cell(CITY[0], CITY[1], 8)


@pytest.mark.parametrize(
    ("policy", "mode"),
    [
        (policy_with(map_mode="none"), "none"),
        (policy_with(map_mode="k_anonymous"), "k_anonymous"),
        (policy_with(map_mode="noisy"), "noisy"),
        (policy_with(map_mode="heatmap"), "heatmap"),
    ],
    ids=["none", "k_anonymous", "noisy", "heatmap"],
)
def test_map_mode_changes_what_the_agency_sees(
    world: World, policy: StandardPolicy, mode: str
) -> None:
    agency = city(world)
    answer = world.ok("GET", "/portal/map", agency.headers)
    assert answer["mode"] == mode
    if mode == "none":
        assert answer["cells"] == [] and answer["circles"] == []
    elif mode == "k_anonymous":
        counts = {c["cell"]: c["count"] for c in answer["cells"]}
        assert counts[DENSE8] == 7 and sorted(counts.values(), key=str) == [7, None]
        assert answer["circles"] == []
    elif mode == "noisy":
        # Every cell of the jurisdiction is listed, empty ones too.
        assert len(answer["cells"]) > 30 and answer["circles"] == []
        assert answer["epsilon"] == 1.0 and answer["period_start"]
        assert all(c["count"] is None or c["count"] >= 5 for c in answer["cells"])
    else:
        assert len(answer["circles"]) == 8
        # Meant to leak: a circle's centre is within metres of the lone camera.
        alone = offset(*CITY, 1500, 1500)
        nearest = min(
            distance_m(alone[0], alone[1], c["center_lat"], c["center_lng"])
            for c in answer["circles"]
        )
        assert nearest < 5
        counts = {c["cell"]: c["count"] for c in answer["cells"]}
        assert sorted(counts.values()) == [1, 7]  # no suppression at all


@pytest.mark.parametrize(
    ("policy", "k"),
    [
        (policy_with(map_mode="k_anonymous", map_k=8), 8),
        (policy_with(map_mode="k_anonymous", map_k=1), 1),
    ],
    ids=["k8", "k1"],
)
def test_map_k(world: World, policy: StandardPolicy, k: int) -> None:
    agency = city(world)
    answer = world.ok("GET", "/portal/map", agency.headers)
    shown = sorted(c["count"] for c in answer["cells"] if c["count"] is not None)
    assert answer["k"] == k
    assert shown == {8: [], 1: [1, 7]}[k]  # k = 5 shows [7]: tests/api/test_map.py


@pytest.mark.parametrize(
    ("policy", "resolution"),
    [
        (policy_with(map_mode="k_anonymous", map_resolution=8), 8),
        (policy_with(map_mode="k_anonymous", map_resolution=6), 6),
    ],
    ids=["res8", "res6"],
)
def test_map_resolution(world: World, policy: StandardPolicy, resolution: int) -> None:
    agency = city(world)
    answer = world.ok("GET", "/portal/map", agency.headers)
    assert answer["resolution"] == resolution
    assert {h3.get_resolution(c["cell"]) for c in answer["cells"]} == {resolution}
    assert h3.latlng_to_cell(CITY[0], CITY[1], resolution) in {c["cell"] for c in answer["cells"]}


@pytest.mark.parametrize(
    "policy", [policy_with(map_mode="noisy", map_period_hours=24)], ids=["noisy-daily"]
)
def test_noisy_map_is_stable_within_a_period_and_redrawn_after(
    world: World, policy: StandardPolicy
) -> None:
    agency = city(world)
    first = world.ok("GET", "/portal/map", agency.headers)
    world.clock.advance(timedelta(minutes=5))
    # New cameras within the period change nothing: the answer is the period's (I5).
    for i in range(5):
        world.resident(north_m=3 * i + 1, clips=0, name=f"Late {i}")
    assert world.ok("GET", "/portal/map", agency.headers) == first
    # Another agency with the same jurisdiction gets the very same counts: no averaging.
    other = world.agency(name="Other PD")
    assert world.ok("GET", "/portal/map", other.headers)["cells"] == first["cells"]
    drawn = [
        e
        for e in world.ok("GET", "/audit/entries?limit=1000", world.auditor)["data"]
        if e["action"] == "map.noise_drawn"
    ]
    assert len(drawn) == 1  # noise was drawn once, not per query
    world.clock.advance(timedelta(days=1))
    later = world.ok("GET", "/portal/map", agency.headers)
    assert later["period_start"] != first["period_start"]


@pytest.mark.parametrize(
    ("policy", "threshold"),
    [
        (policy_with(map_mode="noisy", map_epsilon=10.0, map_noise_threshold=5), 5),
        (policy_with(map_mode="noisy", map_epsilon=10.0, map_noise_threshold=50), 50),
    ],
    ids=["threshold-5", "threshold-50"],
)
def test_noisy_threshold_and_epsilon(world: World, policy: StandardPolicy, threshold: int) -> None:
    agency = city(world)
    counts = {
        c["cell"]: c["count"] for c in world.ok("GET", "/portal/map", agency.headers)["cells"]
    }
    if threshold == 50:
        assert set(counts.values()) == {None}
    else:
        # At epsilon 10 the noise is almost always 0 (P(0) = 0.99991): 7 shows as about 7.
        assert counts[DENSE8] is not None and abs(counts[DENSE8] - 7) <= 1
        assert sum(c is not None for c in counts.values()) == 1


@pytest.mark.parametrize(
    "policy",
    [policy_with(map_mode="noisy", map_epsilon=0.1, map_k=5, map_noise_threshold=0)],
    ids=["e0.1"],
)
def test_noisy_map_is_k_anonymous_and_noise_is_visible(
    world: World, policy: StandardPolicy
) -> None:
    agency = city(world)
    lone = h3.latlng_to_cell(*offset(*CITY, 1500, 1500), 8)
    dense, alone = [], []
    for _ in range(8):
        counts = {
            c["cell"]: c["count"] for c in world.ok("GET", "/portal/map", agency.headers)["cells"]
        }
        dense.append(counts[DENSE8])
        alone.append(counts[lone])
        world.clock.advance(timedelta(days=1))
    # At epsilon 0.1 (scale 10) eight periods give the 7-camera cell eight draws, blank only
    # when negative (threshold 0): they differ (all equal has probability about 1e-5).
    assert len(set(dense)) > 1
    # The lone camera's cell is below k: blank whatever the noise, in every period (I5);
    # with threshold 0 and no k rule it would show every time.
    assert alone == [None] * 8
