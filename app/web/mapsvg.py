"""The portal map as SVG geometry: H3 cells and request circles in a local metric projection.

An equirectangular projection around the map's centre is accurate to well under a percent over
a city (tens of kilometres), and keeps circles round with their radius in metres, so a request's
area is drawn at its true size next to the cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from app.schemas.portal import PortalMapForAgency
from app.workflow.geo import cell_boundary, cell_center

METRES_PER_DEGREE = 111_320.0
SHADES = 5  # shade classes shade-0 .. shade-4 in style.css


@dataclass(frozen=True, slots=True)
class CellShape:
    cell: str
    points: str
    count: int | None  # None: suppressed below k, drawn blank
    shade: int


@dataclass(frozen=True, slots=True)
class CircleShape:
    cx: float
    cy: float
    r: float
    label: str
    kind: str  # "request" (filed), "draft" (the form's) or "camera" (the 2018 heat map's)


@dataclass(frozen=True, slots=True)
class Circle:
    lat: float
    lng: float
    radius_m: float
    label: str
    kind: str = "request"


@dataclass(frozen=True, slots=True)
class MapFigure:
    view_box: str
    lat0: float
    lng0: float
    cells: list[CellShape]
    circles: list[CircleShape]
    max_count: int
    # Circles that lie wholly outside the jurisdiction's cells: named beside the map, not drawn,
    # so one mistyped centre cannot shrink the whole jurisdiction to a dot.
    off_map: list[Circle] = field(default_factory=list)
    # The policy's map mode as the API states it (none, k_anonymous, noisy, heatmap), and for
    # the noisy map its privacy loss and period: the caption explains what the shading means.
    mode: str = "k_anonymous"
    epsilon: float | None = None
    period_start: datetime | None = None


@dataclass(frozen=True, slots=True)
class Projection:
    lat0: float
    lng0: float

    def xy(self, lat: float, lng: float) -> tuple[float, float]:
        x = (lng - self.lng0) * METRES_PER_DEGREE * math.cos(math.radians(self.lat0))
        y = -(lat - self.lat0) * METRES_PER_DEGREE
        return round(x, 1), round(y, 1)


def shade(count: int, max_count: int) -> int:
    """Equal-width classes from 0 to the largest count: darker is more cameras."""
    if max_count <= 0:
        return 0
    return min(SHADES - 1, (count * SHADES - 1) // max_count) if count > 0 else 0


def build_map(
    cells: Sequence[tuple[str, int | None]], circles: Sequence[Circle], *, pad: float = 0.06
) -> MapFigure:
    centres = [cell_center(c) for c, _ in cells] or [(c.lat, c.lng) for c in circles] or [(0, 0)]
    lat0 = sum(p[0] for p in centres) / len(centres)
    lng0 = sum(p[1] for p in centres) / len(centres)
    proj = Projection(lat0, lng0)
    counts = [n for _, n in cells if n is not None]
    max_count = max(counts, default=0)
    xs: list[float] = []
    ys: list[float] = []
    shapes = []
    for cell, count in cells:
        corners = [proj.xy(lat, lng) for lat, lng in cell_boundary(cell)]
        xs.extend(x for x, _ in corners)
        ys.extend(y for _, y in corners)
        points = " ".join(f"{x},{y}" for x, y in corners)
        level = -1 if count is None else shade(count, max_count)
        shapes.append(CellShape(cell, points, count, level))
    # The jurisdiction's cells frame the map; a circle widens the frame only if it reaches them.
    frame = (min(xs), max(xs), min(ys), max(ys)) if xs else None
    rounds = []
    off_map = []
    for c in circles:
        cx, cy = proj.xy(c.lat, c.lng)
        r = c.radius_m
        if frame is not None and not _reaches(frame, cx, cy, r):
            if c.kind != "camera":
                off_map.append(c)
            continue
        xs.extend((cx - r, cx + r))
        ys.extend((cy - r, cy + r))
        rounds.append(CircleShape(cx, cy, round(r, 1), c.label, c.kind))
    if not xs:
        xs, ys = [-500.0, 500.0], [-500.0, 500.0]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    margin = pad * max(width, height, 100.0)
    box = (min(xs) - margin, min(ys) - margin, width + 2 * margin, height + 2 * margin)
    view_box = " ".join(f"{v:.1f}" for v in box)
    return MapFigure(view_box, lat0, lng0, shapes, rounds, max_count, off_map)


def _reaches(frame: tuple[float, float, float, float], cx: float, cy: float, r: float) -> bool:
    """Whether the circle's bounding box overlaps the cells' (both in metres)."""
    left, right, top, bottom = frame
    return cx + r >= left and cx - r <= right and cy + r >= top and cy - r <= bottom


def portal_figure(shaped: PortalMapForAgency, circles: Sequence[Circle]) -> MapFigure:
    """The API's map answer drawn with the page's circles; the 2018 heat map's camera circles
    are drawn too, since they are what that portal leaked."""
    cameras = [
        Circle(c.center_lat, c.center_lng, c.radius_m, "a camera", kind="camera")
        for c in shaped.circles
    ]
    figure = build_map([(c.cell, c.count) for c in shaped.cells], [*cameras, *circles])
    return replace(
        figure, mode=shaped.mode, epsilon=shaped.epsilon, period_start=shaped.period_start
    )
