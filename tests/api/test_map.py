"""The portal map: counts per H3 cell at the policy's resolution, blank below k (I5)."""

from __future__ import annotations

from dataclasses import replace

import h3
import pytest

from app.policies import StandardPolicy, load_policy
from app.policies.params import MapMode
from tests.factories import CITY, World

K_ANONYMOUS = StandardPolicy(
    "k-anonymous",
    replace(load_policy("privacy-by-design").params, map_mode=MapMode.K_ANONYMOUS),
)


# The default map is noisy (tests/policies/test_map_modes.py); exact counts need this mode.
@pytest.mark.parametrize("policy", [K_ANONYMOUS])
def test_cells_below_k_are_blank_and_counts_are_right(world: World, policy: StandardPolicy) -> None:
    agency = world.agency()
    # Seven cameras within 20 m of one point, and two alone 1.5 km away.
    for i in range(7):
        world.resident(north_m=3 * i, clips=0, name=f"Dense {i}")
    for i in range(2):
        world.resident(north_m=1500, east_m=1500 + 3 * i, clips=0, name=f"Sparse {i}")
    answer = world.ok("GET", "/portal/map", agency.headers)
    assert answer["k"] == 5 and answer["resolution"] == 8
    cells = {c["cell"]: c["count"] for c in answer["cells"]}
    dense = h3.latlng_to_cell(CITY[0], CITY[1], 8)
    assert cells[dense] == 7
    blanks = [cell for cell, count in cells.items() if count is None]
    assert len(blanks) == 1 and blanks[0] != dense
    assert all(count is None or count >= 5 for count in cells.values())
    assert world.ok("GET", "/portal/map", agency.headers) == answer  # same query, same answer


def test_public_routes(world: World) -> None:
    assert world.client.get("/healthz").json()["status"] == "ok"
    policy = world.client.get("/policy").json()
    assert policy["name"] == "privacy-by-design"
    assert policy["parameters"]["map_k"] == 5 and len(policy["parameter_hash"]) == 64
