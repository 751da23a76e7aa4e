"""Sliding-window rate limits on the injected clock: the answer is `RateLimited` (429, Retry-After).

Pure Python with no FastAPI or SQL, so the workflow can use `retry_after` over times it reads
from the store (e.g. a policy's per-agency daily filing quota, durable across processes), and
the HTTP edge can use `RateLimiter` in memory for bursts (see app/access.py, `EDGE_LIMITS`).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.clock import Clock
from app.workflow.errors import RateLimited


@dataclass(frozen=True, slots=True)
class RateRule:
    """At most `limit` events per `per`, counted over a sliding window."""

    name: str
    limit: int
    per: timedelta

    def __post_init__(self) -> None:
        if self.limit < 1 or self.per <= timedelta(0):
            raise ValueError(f"rate rule {self.name!r}: limit must be >= 1 and per > 0")

    def describe(self) -> str:
        return f"{self.limit} per {_human(self.per)}"


def retry_after(times: Iterable[datetime], *, now: datetime, rule: RateRule) -> int | None:
    """Seconds until one more event fits under `rule`, given the earlier events; None if it fits.

    `times` may hold events of any age; only those in the window (now - per, now] count.
    """
    recent = sorted(t for t in times if now - rule.per < t <= now)
    if len(recent) < rule.limit:
        return None
    # The event that must leave the window before one more fits.
    oldest_blocking = recent[len(recent) - rule.limit]
    return max(1, math.ceil((oldest_blocking + rule.per - now).total_seconds()))


def refuse(rule: RateRule, seconds: int) -> RateLimited:
    return RateLimited(
        f"Rate limit reached ({rule.name}: {rule.describe()}); retry in {seconds} s.",
        retry_after_seconds=seconds,
    )


class RateLimiter:
    """Per-key sliding windows in memory: one process's view (limits multiply by workers)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._hits: dict[tuple[str, Hashable], deque[datetime]] = {}
        # Sync routes and dependencies run in a thread pool: the check-and-record is atomic.
        self._lock = threading.Lock()

    def hit(self, rule: RateRule, key: Hashable) -> None:
        """Record one event for `key`, or raise RateLimited (recording nothing) if over `rule`."""
        now = self._clock.now()
        with self._lock:
            window = self._hits.setdefault((rule.name, key), deque())
            while window and window[0] <= now - rule.per:
                window.popleft()  # memory stays bounded by `limit` per key
            wait = retry_after(window, now=now, rule=rule)
            if wait is not None:
                raise refuse(rule, wait)
            window.append(now)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


class EdgeLimitSettings(BaseSettings):
    """Burst limits at the HTTP edge, per authenticated subject (environment CONSENTGATE_RATE_*)."""

    model_config = SettingsConfigDict(env_prefix="CONSENTGATE_RATE_", extra="ignore")

    # An operator minting tokens: enough for a demo seed, far below a credential-stuffing run.
    tokens_per_hour: int = Field(default=60, ge=1, le=100_000)
    # An agency filing requests: a burst cap under any daily quota the policy sets (a dragnet of
    # small tiles needs dozens within minutes; a real investigation files one or two).
    filings_per_hour: int = Field(default=10, ge=1, le=100_000)

    def rules(self) -> dict[str, RateRule]:
        hour = timedelta(hours=1)
        return {
            "token_minting": RateRule("token_minting", self.tokens_per_hour, hour),
            "request_filing": RateRule("request_filing", self.filings_per_hour, hour),
        }


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} s"
