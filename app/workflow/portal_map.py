"""The agency's portal map: camera counts per H3 cell over its jurisdiction, shaped by policy.

Only cell-level counts leave this module, and the policy blanks cells below k (invariant I5),
so the map never locates a camera more exactly than a cell of the policy's resolution.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from uuid import UUID

from app.policies.base import MapCell
from app.workflow.area import cameras_in_circle
from app.workflow.context import Ctx
from app.workflow.geo import parent_cell
from app.workflow.requests import require_active_partnership


@dataclass(frozen=True, slots=True)
class PortalMap:
    resolution: int
    k: int
    cells: list[MapCell]


def portal_map(ctx: Ctx, *, agency_id: UUID) -> PortalMap:
    agency = require_active_partnership(ctx, agency_id)
    resolution = ctx.policy.params.map_resolution
    cameras = cameras_in_circle(ctx, agency.center_lat, agency.center_lng, agency.radius_m)
    counts = Counter(parent_cell(c.cell, resolution) for c in cameras)
    return PortalMap(resolution, ctx.policy.params.map_k, ctx.policy.shape_map(counts))
