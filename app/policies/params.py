"""Policy parameters: a frozen, validated set of numbers and switches with units and defaults.

Every bad value is refused with the key and the allowed range, so a researcher's TOML file
fails loudly instead of silently running a different policy.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any


class ResponseStats(StrEnum):
    NONE = "none"  # the agency learns nothing about responses (Ring after 2019)
    SUPPRESSED = "suppressed"  # counts shown, but blank below k
    RAW = "raw"  # exact counts: the early leak to one agency (2018)


class IdentityOnShare(StrEnum):
    NONE = "none"  # the agency sees footage only
    PSEUDONYM = "pseudonym"  # "Neighbor #n", fresh per request: no linking across requests
    CONTACT = "contact"  # name and e-mail passed on, as in Request for Assistance


class MapMode(StrEnum):
    NONE = "none"  # no map at all (Ring after July 2019)
    K_ANONYMOUS = "k_anonymous"  # exact counts per cell, blank below k
    NOISY = "noisy"  # discrete-Laplace counts per cell, small noisy counts blank, cached per period
    HEATMAP = "heatmap"  # the 2018 heat map: circles around individual cameras (meant to leak)


class PolicyParameterError(ValueError):
    """Parameters are unknown or outside their range; the message names the first key, and
    `problems` holds every (key, reason) found, for a file's author to fix all at once."""

    def __init__(
        self, key: str, reason: str, problems: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(f"policy parameter {key!r}: {reason}")
        self.key = key
        self.reason = reason
        self.problems = problems or [(key, reason)]

    @classmethod
    def of(cls, problems: list[tuple[str, str]]) -> PolicyParameterError:
        return cls(problems[0][0], problems[0][1], problems)


# Each number's allowed range, in the order the fields are declared (the first is reported
# first); the two pairs that must be ordered are checked after.
_RANGES: tuple[tuple[str, float, float], ...] = (
    ("min_area_sq_mi", 0.0, 100.0),
    ("max_area_sq_mi", 0.0, 100.0),
    ("min_window_minutes", 1, 60 * 24 * 45),
    ("max_window_minutes", 1, 60 * 24 * 45),
    ("lookback_days", 1, 3650),
    ("requests_per_investigation", 1, 1000),
    ("request_open_days", 1, 365),
    ("map_k", 1, 10_000),
    ("map_resolution", 5, 11),
    ("stats_k", 1, 10_000),
    ("cooling_off_minutes", 0, 60 * 24 * 30),
    ("retention_days", 1, 3650),
    ("requests_per_agency_per_day", 0, 100_000),
    ("map_epsilon", 0.01, 10.0),
    ("map_noise_threshold", 0, 10_000),
    ("map_period_hours", 1, 24 * 365),
)
_ORDERED = (("min_area_sq_mi", "max_area_sq_mi"), ("min_window_minutes", "max_window_minutes"))


@dataclass(frozen=True, slots=True)
class PolicyParams:
    # --- request limits (Request for Assistance, 2021: 0.025-0.5 sq mi, 15 min-12 h, 45 days) ---
    min_area_sq_mi: float = 0.025
    max_area_sq_mi: float = 0.5
    min_window_minutes: int = 15
    max_window_minutes: int = 12 * 60
    lookback_days: int = 45
    requests_per_investigation: int = 2
    refused_incident_types: tuple[str, ...] = ("lawful_protest",)
    case_number_required: bool = True
    # --- reach ---
    request_open_days: int = 7
    honour_opt_out: bool = True
    # --- portal map ---
    map_k: int = 5
    map_resolution: int = 8
    # --- what the agency learns ---
    response_stats: ResponseStats = ResponseStats.SUPPRESSED
    stats_k: int = 5
    identity_on_share: IdentityOnShare = IdentityOnShare.NONE
    # --- release ---
    cooling_off_minutes: int = 0
    withdrawal_revokes_undownloaded: bool = True
    # --- retention (US subscribers: 60 days) ---
    retention_days: int = 60
    # --- request kinds and eligibility ---
    consent_requests: bool = True  # agencies may ask residents through the portal at all
    requests_per_agency_per_day: int = 0  # rolling 24 hours; 0 means no cap
    moderation: bool = False  # requests wait in pending_review; notices go out on approval
    verified_agencies_only: bool = False
    federal_agencies_excluded: bool = False
    promotion_duty_required: bool = False  # the 2018 MOU terms: the agency promotes the app
    # --- portal map, modes beyond k-anonymous cells ---
    map_mode: MapMode = MapMode.K_ANONYMOUS
    map_epsilon: float = 1.0  # noisy mode: privacy loss per cell per period
    map_noise_threshold: int = 5  # noisy mode: noisy counts below this are blank
    map_period_hours: int = 24  # noisy mode: one answer per agency per period (I5)
    # --- exceptions without consent ---
    emergency_disclosure: bool = False
    tell_resident_after_emergency: bool = True
    warrants: bool = False  # legal process: a warrant obtains clip content
    subpoenas: bool = False  # legal process: a subpoena obtains non-content data only
    tell_resident_of_legal_process: bool = True  # unless a court order bars it
    encrypt_new_residents: bool = False  # end-to-end encryption on by default for new residents

    def __post_init__(self) -> None:
        problems = [
            (key, reason)
            for key, low, high in _RANGES
            if (reason := _range_problem(getattr(self, key), low, high)) is not None
        ]
        wrong = {key for key, _ in problems}
        for low_key, high_key in _ORDERED:
            if not {low_key, high_key} & wrong and getattr(self, high_key) < getattr(self, low_key):
                problems.append((high_key, f"must be at least {low_key}"))
        if not all(isinstance(t, str) and t for t in self.refused_incident_types):
            problems.append(("refused_incident_types", "must be non-empty strings"))
        if problems:
            raise PolicyParameterError.of(problems)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["refused_incident_types"] = list(self.refused_incident_types)
        return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in out.items()}

    def digest(self) -> str:
        """A stable hash of the parameters, logged with every decision."""
        global _last_digest
        last = _last_digest
        if last[0] is self:  # the same object again: no hash of its thirty fields to look up
            return last[1]
        try:
            text = _cached_digest(self)
        except TypeError:  # a field that cannot be hashed: compute without the cache
            return _digest(self)
        _last_digest = (self, text)
        return text

    @classmethod
    def from_mapping(cls, base: PolicyParams, overrides: dict[str, Any]) -> PolicyParams:
        """`base` with `overrides` applied; unknown keys, wrong types and values out of range
        are refused by name, all of them in one PolicyParameterError."""
        known = {f.name: f for f in fields(cls)}
        values = base.as_dict()
        problems: list[tuple[str, str]] = []
        for key, value in overrides.items():
            if key not in known:
                problems.append((key, f"unknown parameter; known: {', '.join(known)}"))
            else:
                values[key] = value
        coerced, wrong_types = _coerce(values, base)  # a wrong type keeps the base's value
        problems += wrong_types
        try:
            params = cls(**coerced)
        except PolicyParameterError as exc:
            reported = {key for key, _ in problems}  # said once, by its type
            problems += [(key, reason) for key, reason in exc.problems if key not in reported]
        if problems:
            raise PolicyParameterError.of(problems)
        return params


def _digest(params: PolicyParams) -> str:
    text = json.dumps(params.as_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# Cached: the parameters are frozen, and every request and release logs this hash.
_cached_digest = functools.lru_cache(maxsize=256)(_digest)
# The last parameters asked and their digest (a run asks its policy's at every decision). One
# tuple, swapped whole, holding the object so that its identity cannot be reused meanwhile.
_last_digest: tuple[object, str] = (None, "")


def _range_problem(value: float, low: float, high: float) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number from {low} to {high}"
    if not low <= value <= high:
        return f"{value} is outside the allowed range {low} to {high}"
    return None


def _coerce(
    values: dict[str, Any], base: PolicyParams
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The values converted to their fields' types, and a problem for each that cannot be (which
    keeps the base's value, so that the others are still checked)."""
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, value in values.items():
        default = getattr(base, key)
        try:
            if isinstance(default, StrEnum):
                value = type(default)(value)
            elif isinstance(default, tuple):
                if isinstance(value, str) or not isinstance(value, list | tuple):
                    raise TypeError
                value = tuple(value)
            elif isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError
            elif isinstance(default, float):
                # TOML writes 2 for 2.0; store a float so the parameter hash does not change.
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise TypeError
                value = float(value)
            elif isinstance(default, int) and (
                isinstance(value, bool) or not isinstance(value, int)
            ):
                raise TypeError
        except (TypeError, ValueError):
            allowed = (
                ", ".join(m.value for m in type(default))
                if isinstance(default, StrEnum)
                else type(default).__name__
            )
            problems.append((key, f"{value!r} is not a valid {allowed}"))
            value = getattr(base, key)
        out[key] = value
    return out, problems
