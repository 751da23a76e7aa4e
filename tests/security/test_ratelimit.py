"""The sliding-window limiter under the injected clock, and the pure `retry_after` the workflow
can use over times read from the store (e.g. a policy's per-agency daily filing quota)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.access import EdgeLimiter
from app.clock import SimulatedClock
from app.ratelimit import EdgeLimitSettings, RateLimiter, RateRule, retry_after
from app.workflow.errors import RateLimited

T0 = datetime(2026, 11, 30, 12, tzinfo=UTC)
HOURLY_3 = RateRule("test", 3, timedelta(hours=1))


def test_retry_after_counts_only_the_window() -> None:
    times = [T0 - timedelta(hours=2), T0 - timedelta(minutes=50), T0 - timedelta(minutes=10)]
    assert retry_after(times, now=T0, rule=HOURLY_3) is None  # the 2-hour-old one is gone
    times.append(T0)
    assert retry_after(times, now=T0, rule=HOURLY_3) == 10 * 60  # when the 50-minute one leaves


def test_limiter_refuses_past_the_limit_and_recovers() -> None:
    clock = SimulatedClock(T0)
    limiter = RateLimiter(clock)
    for _ in range(3):
        limiter.hit(HOURLY_3, "agency-a")
        clock.advance(timedelta(minutes=1))
    with pytest.raises(RateLimited) as refused:
        limiter.hit(HOURLY_3, "agency-a")
    assert refused.value.retry_after_seconds == 57 * 60
    limiter.hit(HOURLY_3, "agency-b")  # keys are independent
    clock.advance(timedelta(minutes=57))
    limiter.hit(HOURLY_3, "agency-a")


def test_refusals_are_not_recorded_and_memory_stays_bounded() -> None:
    clock = SimulatedClock(T0)
    limiter = RateLimiter(clock)
    for _ in range(3):
        limiter.hit(HOURLY_3, "k")
    for _ in range(100):
        with pytest.raises(RateLimited):
            limiter.hit(HOURLY_3, "k")
    assert max(len(w) for w in limiter._hits.values()) == 3
    clock.advance(timedelta(hours=1))
    limiter.hit(HOURLY_3, "k")


def test_rules_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="limit must be"):
        RateRule("bad", 0, timedelta(hours=1))


def test_edge_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSENTGATE_RATE_FILINGS_PER_HOUR", "2")
    limiter = EdgeLimiter(SimulatedClock(T0))
    assert limiter.rules["request_filing"].limit == 2
    assert EdgeLimitSettings().rules()["token_minting"].limit == 60
    monkeypatch.setenv("CONSENTGATE_RATE_TOKENS_PER_HOUR", "0")
    with pytest.raises(ValueError, match="tokens_per_hour"):
        EdgeLimitSettings()
