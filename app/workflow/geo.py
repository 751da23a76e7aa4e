"""Geometry on H3 cells: which cameras lie in a circular area, without scanning them all.

Cameras are indexed by their H3 cell at INDEX_RESOLUTION (edge about 66 m). A circle is covered
by the cells whose centre lies within radius + one cell circumradius of its centre; the exact
distance test then keeps only the cameras inside.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import h3
from h3.api import basic_int as h3_int

INDEX_RESOLUTION = 10
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), as h3 uses


def index_cell(lat: float, lng: float) -> str:
    return str(h3.latlng_to_cell(lat, lng, INDEX_RESOLUTION))


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def within_m(lat: float, lng: float, radius_m: float) -> Callable[[float, float], bool]:
    """The test `distance_m(lat, lng, lat2, lng2) <= radius_m` as a function of (lat2, lng2).

    The centre's terms are computed once, and every other operation is distance_m's, in the
    same order, so the answer is the same to the last bit (tests/sim/test_geo_fast.py): it is
    asked for every camera and cell near a request's circle.
    """
    p1 = math.radians(lat)
    cos_p1 = math.cos(p1)
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt

    def within(lat2: float, lng2: float) -> bool:
        p2 = radians(lat2)
        dp, dl = p2 - p1, radians(lng2 - lng)
        a = sin(dp / 2) ** 2 + cos_p1 * cos(p2) * sin(dl / 2) ** 2
        root = sqrt(a)
        return _DIAMETER_M * asin(root if root < 1.0 else 1.0) <= radius_m

    return within


_DIAMETER_M = 2 * EARTH_RADIUS_M  # what distance_m's `2 * EARTH_RADIUS_M * ...` multiplies first


@functools.cache
def edge_length_m(resolution: int) -> float:
    """H3's average hexagon edge at `resolution`, in metres (a constant per resolution)."""
    return float(h3.average_hexagon_edge_length(resolution, unit="m"))


def cells_covering(lat: float, lng: float, radius_m: float, resolution: int) -> list[str]:
    """Every cell at `resolution` that may contain a point within `radius_m` of the centre."""
    # A pure function of its arguments, asked twice per request (the notices, then the
    # footage in the same circle): remembered for the last few circles, copied out.
    return list(_cells_covering(lat, lng, radius_m, resolution))


@functools.lru_cache(maxsize=64)
def _cells_covering(lat: float, lng: float, radius_m: float, resolution: int) -> tuple[str, ...]:
    edge = edge_length_m(resolution)
    # Hexagon circumradius equals its edge; cells vary in size, so allow 1.5 edges of slack.
    reach = radius_m + 1.5 * edge
    rings = math.ceil(reach / (edge * math.sqrt(3))) + 1
    return tuple(sorted(cells_with_centre_within(lat, lng, reach, rings, resolution)))


def cells_with_centre_within(
    lat: float, lng: float, radius_m: float, rings: int, resolution: int
) -> list[str]:
    """The cells within `rings` of the centre's cell whose centre lies within the circle.

    Through h3's integer API: the same cells as the text API, without a text per cell of the
    disk, only for those kept."""
    within = within_m(lat, lng, radius_m)
    to_latlng = h3_int.cell_to_latlng
    centre = h3_int.latlng_to_cell(lat, lng, resolution)
    return [
        h3.int_to_str(cell) for cell in h3_int.grid_disk(centre, rings) if within(*to_latlng(cell))
    ]


def parent_cell(cell: str, resolution: int) -> str:
    return str(h3.cell_to_parent(cell, resolution))


def cell_boundary(cell: str) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in h3.cell_to_boundary(cell)]


def cell_center(cell: str) -> tuple[float, float]:
    lat, lng = h3.cell_to_latlng(cell)
    return float(lat), float(lng)
