"""The small synthetic city the machine explores: a grid of camera sites and request centres.

Cameras sit on a 50 m grid shifted by (13 m, 21 m); request centres sit on the unshifted grid,
and the request radii are chosen so that no camera lies within 1.5 m of a request's boundary.
So the model's distances and the service's never disagree by rounding, and no request centre
coincides with a camera (which the coordinate scan would mistake for a leak).

Now and then a request is centred away from the city instead (`AWAY_CENTRES`), for the
platform's jurisdiction rule: a request's circle must reach into its agency's 3,000 m circle.
Their distances are chosen the same way: each request circle ends at least 45 m from the
jurisdiction's boundary, on one side or the other.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

CITY = (40.0, -75.0)
START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
GRID_M = 50
CAMERA_SHIFT_M = (13, 21)
CAMERA_SPAN = 4  # camera grid indices run from -4 to 4
CENTRE_SPAN = 3
# Radii with every camera more than 1.5 m from the boundary (see the module docstring); 100 m
# and 800 m are outside the default policy's 0.025-0.5 square miles, to be refused.
VALID_RADII = (160.0, 195.0, 240.0, 305.0, 410.0)
INVALID_RADII = (100.0, 800.0)
JURISDICTION_M = 3000.0
# Request centres away from the city (metres north, east), for the jurisdiction rule. "edge"
# lies 3,350 m east: circles of 410 m and 800 m still reach 60 m and 450 m into the
# jurisdiction, smaller ones stay 45-250 m outside it. "far" lies 6 km north: outside for
# every radius. (Checked in tests/property/test_world.py.)
AWAY_CENTRES = {"edge": (0.0, 3350.0), "far": (6000.0, 0.0)}


def offset(north_m: float, east_m: float) -> tuple[float, float]:
    lat, lng = CITY
    return (
        lat + north_m / 111_320,
        lng + east_m / (111_320 * math.cos(math.radians(lat))),
    )


def camera_site(gx: int, gy: int) -> tuple[float, float]:
    return offset(gy * GRID_M + CAMERA_SHIFT_M[0], gx * GRID_M + CAMERA_SHIFT_M[1])


def request_centre(cx: int, cy: int) -> tuple[float, float]:
    return offset(cy * GRID_M, cx * GRID_M)


def away_centre(place: str) -> tuple[float, float]:
    return offset(*AWAY_CENTRES[place])
