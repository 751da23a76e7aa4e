"""The agency's portal map over its jurisdiction, in the policy's mode.

- `none`: no map (Ring after July 2019).
- `k_anonymous`: exact camera counts per H3 cell, blank below k (invariant I5).
- `noisy`: every cell of the jurisdiction (empty ones too, so a cell's presence says nothing)
  with its count plus discrete-Laplace noise (app/policies/noise.py); a cell is blank if it
  has fewer than k cameras (I5 holds as in k-anonymous mode) or its noisy count falls below the
  threshold. The noise is drawn once per cell per period and stored, so the same
  query in the same period returns the same answer (I5) and repeating it averages nothing away.
- `heatmap`: the 2018 portal for comparison: raw counts, and a circle around every camera.
  It is meant to leak: it locates each camera far more exactly than a cell.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from app.policies.base import MapCell, Policy
from app.policies.noise import KeyedStream, discrete_laplace, laplace_scale
from app.policies.params import MapMode
from app.workflow import audit
from app.workflow.area import cameras_in_circle
from app.workflow.context import Actor, Ctx
from app.workflow.geo import cells_covering, parent_cell
from app.workflow.records import Agency, Camera, MapAnswer
from app.workflow.requests import check_eligibility, require_active_partnership
from app.workflow.states import Role

# Reported 2018 heat-map circles were a few hundred feet across; the radius is illustrative.
HEATMAP_CIRCLE_M = 60.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, order=True)
class HeatCircle:
    center_lat: float
    center_lng: float
    radius_m: float


@dataclass(frozen=True, slots=True)
class PortalMap:
    resolution: int
    k: int
    cells: list[MapCell]
    mode: MapMode = MapMode.K_ANONYMOUS
    period_start: datetime | None = None
    epsilon: float | None = None
    circles: list[HeatCircle] = field(default_factory=list)


def map_writes(policy: Policy) -> bool:
    """The noisy map may draw (and store) noise: it needs a write transaction."""
    return policy.params.map_mode is MapMode.NOISY


def portal_map(ctx: Ctx, actor: Actor | None = None, *, agency_id: UUID) -> PortalMap:
    agency = require_active_partnership(ctx, agency_id)
    check_eligibility(ctx, agency)
    p = ctx.policy.params
    mode = p.map_mode
    if mode is MapMode.NONE:
        return PortalMap(p.map_resolution, p.map_k, [], mode)
    cameras = cameras_in_circle(ctx, agency.center_lat, agency.center_lng, agency.radius_m)
    counts = Counter(parent_cell(c.cell, p.map_resolution) for c in cameras)
    if mode is MapMode.K_ANONYMOUS:
        return PortalMap(p.map_resolution, p.map_k, ctx.policy.shape_map(counts), mode)
    if mode is MapMode.HEATMAP:
        cells = [MapCell(cell, n) for cell, n in sorted(counts.items())]
        return PortalMap(p.map_resolution, p.map_k, cells, mode, circles=_circles(cameras))
    return _noisy_map(ctx, actor, agency, counts)


def _circles(cameras: list[Camera]) -> list[HeatCircle]:
    # Centred on the camera itself, as the 2018 portal's zoomed-in circles effectively were.
    return sorted(HeatCircle(round(c.lat, 5), round(c.lng, 5), HEATMAP_CIRCLE_M) for c in cameras)


def period_start(now: datetime, hours: int) -> datetime:
    """The start of the period containing `now`: periods are aligned to the Unix epoch."""
    length = timedelta(hours=hours)
    return EPOCH + ((now - EPOCH) // length) * length


def _noisy_map(ctx: Ctx, actor: Actor | None, agency: Agency, counts: Counter[str]) -> PortalMap:
    p = ctx.policy.params
    start = period_start(ctx.clock.now(), p.map_period_hours)
    wanted = set(
        cells_covering(agency.center_lat, agency.center_lng, agency.radius_m, p.map_resolution)
    )
    wanted |= set(counts)
    digest = ctx.policy.params.digest()
    found = ctx.store.find(MapAnswer, period_start=start, parameter_hash=digest)
    stored = found[0] if found else None
    drawn: dict[str, int | None] = dict(stored.cells) if stored else {}
    missing = sorted(wanted - drawn.keys())
    if missing:
        # The service's id source is cryptographic, a simulation's is seeded: so is the noise.
        rng = KeyedStream(ctx.new_id().bytes)
        scale = laplace_scale(p.map_epsilon)
        for cell in missing:
            true = counts.get(cell, 0)
            noisy = true + discrete_laplace(scale, rng)
            # Blank below k cameras (I5: k-anonymous), and below the threshold after noise.
            shown = true >= p.map_k and noisy >= p.map_noise_threshold
            drawn[cell] = max(noisy, 0) if shown else None
        now = ctx.clock.now()
        if stored is None:
            stored = MapAnswer(ctx.new_id(), start, digest, drawn, now)
            ctx.store.add(stored)
        else:
            stored = replace(stored, cells=drawn)
            ctx.store.save(stored)
        audit.record(
            ctx,
            actor or Actor(Role.AGENCY, agency.id),
            "map.noise_drawn",
            "map_answer",
            stored.id,
            {
                "agency_id": str(agency.id),
                "period_start": start.isoformat(),
                "cells_drawn": len(missing),
                "epsilon": p.map_epsilon,
            },
        )
    cells = [MapCell(cell, drawn[cell]) for cell in sorted(wanted)]
    return PortalMap(p.map_resolution, p.map_k, cells, MapMode.NOISY, start, p.map_epsilon)
