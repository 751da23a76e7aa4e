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
    """A parameter is unknown or outside its range; the message names the key."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"policy parameter {key!r}: {reason}")
        self.key = key
        self.reason = reason


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
        _in_range("min_area_sq_mi", self.min_area_sq_mi, 0.0, 100.0)
        _in_range("max_area_sq_mi", self.max_area_sq_mi, 0.0, 100.0)
        if self.max_area_sq_mi < self.min_area_sq_mi:
            raise PolicyParameterError("max_area_sq_mi", "must be at least min_area_sq_mi")
        _in_range("min_window_minutes", self.min_window_minutes, 1, 60 * 24 * 45)
        _in_range("max_window_minutes", self.max_window_minutes, 1, 60 * 24 * 45)
        if self.max_window_minutes < self.min_window_minutes:
            raise PolicyParameterError("max_window_minutes", "must be at least min_window_minutes")
        _in_range("lookback_days", self.lookback_days, 1, 3650)
        _in_range("requests_per_investigation", self.requests_per_investigation, 1, 1000)
        _in_range("request_open_days", self.request_open_days, 1, 365)
        _in_range("map_k", self.map_k, 1, 10_000)
        _in_range("map_resolution", self.map_resolution, 5, 11)
        _in_range("stats_k", self.stats_k, 1, 10_000)
        _in_range("cooling_off_minutes", self.cooling_off_minutes, 0, 60 * 24 * 30)
        _in_range("retention_days", self.retention_days, 1, 3650)
        _in_range("requests_per_agency_per_day", self.requests_per_agency_per_day, 0, 100_000)
        _in_range("map_epsilon", self.map_epsilon, 0.01, 10.0)
        _in_range("map_noise_threshold", self.map_noise_threshold, 0, 10_000)
        _in_range("map_period_hours", self.map_period_hours, 1, 24 * 365)
        if not all(isinstance(t, str) and t for t in self.refused_incident_types):
            raise PolicyParameterError("refused_incident_types", "must be non-empty strings")

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
        """`base` with `overrides` applied; an unknown key or a wrong type is refused by name."""
        known = {f.name: f for f in fields(cls)}
        values = base.as_dict()
        for key, value in overrides.items():
            if key not in known:
                raise PolicyParameterError(key, f"unknown parameter; known: {', '.join(known)}")
            values[key] = value
        return cls(**_coerce(values, base))


def _digest(params: PolicyParams) -> str:
    text = json.dumps(params.as_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# Cached: the parameters are frozen, and every request and release logs this hash.
_cached_digest = functools.lru_cache(maxsize=256)(_digest)
# The last parameters asked and their digest (a run asks its policy's at every decision). One
# tuple, swapped whole, holding the object so that its identity cannot be reused meanwhile.
_last_digest: tuple[object, str] = (None, "")


def _in_range(key: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyParameterError(key, f"must be a number from {low} to {high}")
    if not low <= value <= high:
        raise PolicyParameterError(key, f"{value} is outside the allowed range {low} to {high}")


def _coerce(values: dict[str, Any], base: PolicyParams) -> dict[str, Any]:
    out: dict[str, Any] = {}
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
            raise PolicyParameterError(key, f"{value!r} is not a valid {allowed}") from None
        out[key] = value
    return out
