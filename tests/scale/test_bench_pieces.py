"""`make bench` runs for many minutes before it prints its table: its pieces are checked here at
a tiny scale, so a piece that no longer fits the table fails in CI, not at the end of a bench."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.db import Database
from app.ratelimit import EdgeLimitSettings
from bench import fanout, roundtrip
from bench.sim_hook import simulation_events_per_second
from tests.conftest import PG_URL

# The bench's own databases are SQLite files here: nothing to repeat on the PostgreSQL pass.
pytestmark = pytest.mark.skipif(bool(PG_URL), reason="bench pieces on SQLite; ran on that pass")


def test_the_simulation_row_is_a_rate() -> None:
    rate = simulation_events_per_second(repeats=1, days=3)
    assert isinstance(rate, float)
    assert rate > 0


def test_the_fan_out_rows_run_and_agree_with_a_scan(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fanout.db'}")
    try:
        # measure() asserts that the indexed path and the scan find the same cameras.
        (figure,) = fanout.run(db, "sqlite", (2_000,))
    finally:
        db.dispose()
    assert figure.cameras == 2_000
    assert figure.index_median_ms > 0
    assert figure.scan_median_ms > 0


def test_the_round_trip_row_runs_past_the_edge_burst_limit(tmp_path: Path) -> None:
    # One agency files every round trip: the served app's burst limit (10 filings an hour by
    # default) once stopped the bench at its eleventh with a 429, after minutes of set-up.
    limit = EdgeLimitSettings().filings_per_hour
    # An empty URL serves the SQLite file the bench's environment names, as bench/run.py does.
    rate = roundtrip.round_trip(tmp_path, 1, "", "sqlite", duration_s=3.0)
    assert rate.completed > limit
    assert rate.per_second > 0
