"""The fast circle tests answer exactly as the definitions they replace: `within_m` as
`distance_m(...) <= radius`, and the cells through h3's integer API as through its text API."""

from __future__ import annotations

import math

import h3
from hypothesis import given, settings
from hypothesis import strategies as st

from app.sim.metrics import REACH_RESOLUTION, cells_in_circle
from app.workflow.geo import INDEX_RESOLUTION, cells_covering, distance_m, edge_length_m, within_m

lats = st.floats(min_value=-80.0, max_value=80.0)
lngs = st.floats(min_value=-179.0, max_value=179.0)
offsets = st.floats(min_value=-0.05, max_value=0.05)


@settings(max_examples=300, deadline=None)
@given(lats, lngs, offsets, offsets, st.floats(min_value=0.0, max_value=20_000.0))
def test_within_is_the_distance_test(
    lat: float, lng: float, dlat: float, dlng: float, radius: float
) -> None:
    other = (lat + dlat, lng + dlng)
    assert within_m(lat, lng, radius)(*other) == (distance_m(lat, lng, *other) <= radius)
    # On the boundary itself, where a last-bit difference would show.
    exact = distance_m(lat, lng, *other)
    assert within_m(lat, lng, exact)(*other)
    assert within_m(lat, lng, math.nextafter(exact, -1.0))(*other) == (
        distance_m(lat, lng, *other) <= math.nextafter(exact, -1.0)
    )


def text_api_cells(lat: float, lng: float, radius: float, rings: int, resolution: int) -> set[str]:
    """The cells as the code before the integer API found them."""
    centre = h3.latlng_to_cell(lat, lng, resolution)
    out = set()
    for cell in h3.grid_disk(centre, rings):
        clat, clng = h3.cell_to_latlng(cell)
        if distance_m(lat, lng, clat, clng) <= radius:
            out.add(str(cell))
    return out


@settings(max_examples=40, deadline=None)
@given(lats, lngs, st.floats(min_value=1.0, max_value=1_500.0))
def test_cells_through_the_integer_api_are_the_text_api_cells(
    lat: float, lng: float, radius: float
) -> None:
    edge = edge_length_m(REACH_RESOLUTION)
    rings = math.ceil(radius / (edge * math.sqrt(3))) + 1
    assert cells_in_circle(lat, lng, radius) == text_api_cells(
        lat, lng, radius, rings, REACH_RESOLUTION
    )
    edge = edge_length_m(INDEX_RESOLUTION)
    reach = radius + 1.5 * edge
    rings = math.ceil(reach / (edge * math.sqrt(3))) + 1
    covering = cells_covering(lat, lng, radius, INDEX_RESOLUTION)
    assert covering == sorted(text_api_cells(lat, lng, reach, rings, INDEX_RESOLUTION))
