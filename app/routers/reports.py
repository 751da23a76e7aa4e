"""Reports: the transparency report, per agency and overall, in JSON, CSV or Markdown."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AfterValidator, BeforeValidator

from app.audit.report_format import MEDIA_TYPES, render
from app.deps import AuditorActor, RuntimeDep
from app.schemas.common import date_time_text, zoned_in_calendar
from app.strict_json import StrictJsonRoute
from app.workflow.errors import InvalidInput
from app.workflow.transparency import UP_TO_NOW, transparency_report

router = APIRouter(prefix="/reports", tags=["auditor"], route_class=StrictJsonRoute)

# `?from=2024&to=2025` answered 200 with a report on 33 minutes of 1 January 1970, and
# `?to=0001-03-01T00:00:00Z` a 500: the default period starts a year before it.
PeriodBound = Annotated[
    datetime | None, BeforeValidator(date_time_text), AfterValidator(zoned_in_calendar)
]


@router.get(
    "/transparency",
    responses={
        200: {
            "description": "the report in the asked format",
            "content": {media: {} for media in MEDIA_TYPES.values()},
        }
    },
)
def transparency(
    actor: AuditorActor,
    runtime: RuntimeDep,
    start: Annotated[
        PeriodBound, Query(alias="from", description="period start (default: a year ago)")
    ] = None,
    end: Annotated[
        PeriodBound, Query(alias="to", description="period end, exclusive (default: now)")
    ] = None,
    format: str = Query(
        "json", pattern="^(json|csv|markdown)$", description="json, csv or markdown"
    ),
) -> Response:
    """The transparency report over [from, to), per agency and overall: requests, notices and
    answers, consents, releases by basis, residents affected, footage-hours; times need a zone."""
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(
                f"{name}: give a time zone (e.g. 2026-01-01T00:00:00Z).", code="naive_datetime"
            )
    until = end or runtime.clock.now() + UP_TO_NOW
    since = start or until - timedelta(days=365)
    report = runtime.read(lambda ctx: transparency_report(ctx, start=since, end=until))
    return Response(render(report, format), media_type=MEDIA_TYPES[format])
