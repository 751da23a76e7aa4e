"""Metrics per run and per simulated week, collected apart from behaviour (as mesa's
DataCollector is kept apart from its agents).

The engine reports what the workflow services returned; nothing here decides anything. Counts
are integers; rates and ratios are computed once at the end, so the same run gives the same
numbers in the same order.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from app.workflow.geo import cells_with_centre_within, edge_length_m
from app.workflow.records import Release
from app.workflow.states import ReleaseBasis

# Resolution 10 cells (about 15,000 m2 each) measure the share of the city within reach.
REACH_RESOLUTION = 10
BASES = tuple(b.value for b in ReleaseBasis)

WEEKLY_COUNTS = (
    "requests_filed",
    "requests_refused",
    "notices",
    "shares",
    "declines",
    "silences",
    "late_responses",
    "opt_outs",
    "withdrawals",
    "releases_revoked",
    *(f"clips_released_{b}" for b in BASES),
    *(f"footage_hours_{b}" for b in BASES),
    "releases_without_consent",
    "identity_disclosures",
    "audit_entries",
)


def cells_in_circle(lat: float, lng: float, radius_m: float) -> set[str]:
    """H3 cells whose centre lies within the circle."""
    edge = edge_length_m(REACH_RESOLUTION)
    rings = math.ceil(radius_m / (edge * math.sqrt(3))) + 1
    return set(cells_with_centre_within(lat, lng, radius_m, rings, REACH_RESOLUTION))


def _week_counter() -> dict[str, float]:
    return {name: 0 for name in WEEKLY_COUNTS}


@dataclass
class Metrics:
    start: datetime
    city_cells: set[str]
    households_by_group: dict[str, int]
    weeks: list[dict[str, float]] = field(default_factory=list)
    refused_by_reason: Counter[str] = field(default_factory=Counter)
    requests_by_group: Counter[str] = field(default_factory=Counter)
    notices_by_group: Counter[str] = field(default_factory=Counter)
    residents_reached: set[UUID] = field(default_factory=set)
    residents_disclosed: set[UUID] = field(default_factory=set)
    reached_cells: set[str] = field(default_factory=set)
    # len(reached_cells & city_cells), kept as cells are reached: recounting the intersection
    # at every request made a year of a large city quadratic in its requests.
    reached_in_city: int = 0
    reach_by_week: list[float] = field(default_factory=list)
    # Notices not yet answered, by the week they were sent: what remains at the end is silence.
    pending_notices: dict[UUID, int] = field(default_factory=dict)

    def week_index(self, at: datetime) -> int:
        index = max(0, int((at - self.start) / timedelta(weeks=1)))
        while len(self.weeks) <= index:
            self.weeks.append(_week_counter())
            # Reach is cumulative: a week starts with what the weeks before it reached.
            self.reach_by_week.append(self.reach_share())
        return index

    def week(self, at: datetime) -> dict[str, float]:
        return self.weeks[self.week_index(at)]

    def reach_share(self) -> float:
        if not self.city_cells:
            return 0.0
        return self.reached_in_city / len(self.city_cells)

    # --- events --------------------------------------------------------------------------
    def request_filed(
        self,
        at: datetime,
        *,
        group: str,
        circle: tuple[float, float, float],
        notices: list[tuple[UUID, UUID, str]],
    ) -> None:
        """`notices` holds (notice id, resident id, resident's group) per notice sent."""
        index = self.week_index(at)
        w = self.weeks[index]
        w["requests_filed"] += 1
        w["notices"] += len(notices)
        self.requests_by_group[group] += 1
        for notice_id, resident_id, resident_group in notices:
            self.notices_by_group[resident_group] += 1
            self.residents_reached.add(resident_id)
            self.pending_notices[notice_id] = index
        new_cells = cells_in_circle(*circle) - self.reached_cells
        self.reached_cells |= new_cells
        self.reached_in_city += len(new_cells & self.city_cells)
        self.reach_by_week[index] = self.reach_share()

    def request_refused(self, at: datetime, code: str) -> None:
        self.week(at)["requests_refused"] += 1
        self.refused_by_reason[code] += 1

    def answered(self, at: datetime, notice_id: UUID, what: str) -> None:
        self.week(at)[what] += 1
        self.pending_notices.pop(notice_id, None)

    def count(self, at: datetime, what: str, n: int = 1) -> None:
        self.week(at)[what] += n

    def released(
        self, release: Release, *, owner: UUID, hours: float, identity_disclosed: bool
    ) -> None:
        w = self.week(release.released_at)
        basis = release.basis.value
        w[f"clips_released_{basis}"] += 1
        w[f"footage_hours_{basis}"] += hours
        if release.basis is not ReleaseBasis.CONSENT:
            w["releases_without_consent"] += 1
        if identity_disclosed:
            w["identity_disclosures"] += 1
        self.residents_disclosed.add(owner)

    # --- results -------------------------------------------------------------------------
    def finish(self, end: datetime, audit_entries: int) -> None:
        self.week_index(end - timedelta(microseconds=1))
        for index in self.pending_notices.values():
            self.weeks[index]["silences"] += 1
        self.pending_notices.clear()
        # Audit entries are counted once at the end (the log is the source of truth).
        self.weeks[-1]["audit_entries"] = audit_entries

    def weekly_rows(self) -> list[dict[str, Any]]:
        rows = []
        for i, w in enumerate(self.weeks):
            row: dict[str, Any] = {"week": i}
            row.update({name: _number(w[name]) for name in WEEKLY_COUNTS})
            row["share_rate"] = _ratio(w["shares"], w["notices"])
            row["area_within_reach"] = round(self.reach_by_week[i], 6)
            rows.append(row)
        return rows

    def summary(self) -> dict[str, Any]:
        total = _week_counter()
        for w in self.weeks:
            for name, value in w.items():
                total[name] += value
        out: dict[str, Any] = {name: _number(total[name]) for name in WEEKLY_COUNTS}
        out["share_rate"] = _ratio(total["shares"], total["notices"])
        out["notices_per_request"] = _ratio(total["notices"], total["requests_filed"])
        out["residents_reached"] = len(self.residents_reached)
        out["residents_disclosed"] = len(self.residents_disclosed)
        out["area_within_reach"] = round(self.reach_share(), 6)
        for code in sorted(self.refused_by_reason):
            out[f"refused_{code}"] = self.refused_by_reason[code]
        req, notes = self._per_1000(self.requests_by_group), self._per_1000(self.notices_by_group)
        for group in sorted(self.households_by_group):
            out[f"requests_per_1000_{group}"] = req[group]
            out[f"notices_per_1000_{group}"] = notes[group]
        out["requests_per_1000_max_min_ratio"] = _max_min(req)
        out["notices_per_1000_max_min_ratio"] = _max_min(notes)
        return out

    def _per_1000(self, counts: Counter[str]) -> dict[str, float]:
        return {
            g: round(1000.0 * counts[g] / n, 6) if n else 0.0
            for g, n in sorted(self.households_by_group.items())
        }


def _number(value: float) -> float:
    """Counts stay integers; footage-hours are rounded so float sums print identically."""
    return value if isinstance(value, int) else round(value, 6)


def _ratio(num: float, den: float) -> float:
    return round(num / den, 6) if den else 0.0


def _max_min(per_group: dict[str, float]) -> float:
    values = list(per_group.values())
    if not values or max(values) == 0:
        return 1.0
    if min(values) == 0:
        return math.inf
    return round(max(values) / min(values), 6)
