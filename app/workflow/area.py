"""Which cameras, residents and clips fall in a request's area and window."""

from __future__ import annotations

from datetime import datetime

from app.workflow.context import Ctx
from app.workflow.geo import INDEX_RESOLUTION, cells_covering, distance_m, within_m
from app.workflow.records import Camera, Clip, FootageRequest


def cameras_in_circle(ctx: Ctx, lat: float, lng: float, radius_m: float) -> list[Camera]:
    cells = cells_covering(lat, lng, radius_m, INDEX_RESOLUTION)
    return ctx.store.cameras_in_cells(cells, within_m(lat, lng, radius_m))


def camera_in_area(camera: Camera, request: FootageRequest) -> bool:
    return (
        distance_m(request.center_lat, request.center_lng, camera.lat, camera.lng)
        <= request.radius_m
    )


def clip_in_window(clip: Clip, start: datetime, end: datetime) -> bool:
    return clip.starts_at < end and clip.ends_at > start


def matching_clips(ctx: Ctx, request: FootageRequest, cameras: list[Camera]) -> list[Clip]:
    """Clips of these cameras inside the request's area and window and still retained."""
    now = ctx.clock.now()
    inside = [c.id for c in cameras if camera_in_area(c, request)]
    if not inside:
        return []
    clips = ctx.store.clips_overlapping(inside, request.window_start, request.window_end)
    return [c for c in clips if c.retained_until >= now]
