"""`make bench`: one table of figures from one run on this machine (docs/performance.md)."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from app.db import Database
from app.sim.bench import yardstick_microseconds
from app.store.scratch_schema import ScratchSchema
from bench import audit_rate, fanout, roundtrip
from bench.sim_hook import LABEL as SIMULATION_LABEL
from bench.sim_hook import simulation_events_per_second

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SIZES = tuple(int(s) for s in os.environ.get("BENCH_CAMERAS", "10000,100000,1000000").split(","))


def postgres_answers() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3).close()
    except Exception:
        return False
    return True


# The bench's own connections load a million cameras and VACUUM ANALYZE them: single statements
# that may outlast the service's database timeout (10 s) on a loaded machine, which would cut
# them as if the database had stopped answering. The served app keeps the service's bound.
LOADING_TIMEOUT_S = 600.0


@contextmanager
def database(backend: str, tmp: Path) -> Iterator[tuple[Database, str]]:
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'{uuid.uuid4().hex[:8]}.db'}"
        db = Database(url, timeout_s=LOADING_TIMEOUT_S)
        try:
            yield db, ""
        finally:
            db.dispose()
        return
    # A scratch schema, dropped afterwards, as the tests do.
    with ScratchSchema(PG_URL, "bench") as schema:
        db, url = Database(schema.url, timeout_s=LOADING_TIMEOUT_S), schema.url
        try:
            yield db, url
        finally:
            db.dispose()


def main() -> None:
    console = Console()
    backends = ["sqlite"] + (["postgresql"] if postgres_answers() else [])
    if "postgresql" not in backends:
        console.print(f"[yellow]PostgreSQL does not answer at {PG_URL}: SQLite figures only.")
    table = Table(title="consentgate benchmarks (one run, this machine)")
    for column in ("measure", "backend", "figure", "ratio"):
        table.add_column(column)
    # How loaded the core is (docs/performance.md, Machine): about 10 us idle on this kind of
    # machine; every figure below shrinks as this grows.
    yardstick_before = yardstick_microseconds()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        console.print("serving: bare endpoint, round trips ...")
        for workers in (1, 2):
            bare = roundtrip.bare(tmp, workers)
            table.add_row(bare.label, "-", f"{bare.per_second:,.0f} req/s", "1")
            for backend in backends:
                with database(backend, tmp) as (_, url):
                    trip = roundtrip.round_trip(tmp, workers, url, backend)
                table.add_row(
                    trip.label,
                    backend,
                    f"{trip.per_second:,.1f} round trips/s",
                    f"{trip.per_second / bare.per_second:.3f} of bare",
                )
        for backend in backends:
            console.print(f"fan-out on {backend} at {SIZES} cameras ...")
            with database(backend, tmp) as (db, _):
                for f in fanout.run(db, backend, SIZES):
                    table.add_row(
                        f"fan-out 0.5 sq mi, {f.cameras:,} cameras (~{f.found_median:g} found)",
                        backend,
                        f"median {f.index_median_ms:.2f} ms, p95 {f.index_p95_ms:.2f} ms",
                        f"full scan {f.scan_median_ms:.1f} ms: {f.ratio:.1f}x",
                    )
        for backend in backends:
            for per in (1, 1000):
                with database(backend, tmp) as (db, _):
                    rate = audit_rate.appends_per_second(db, per_transaction=per)
                table.add_row(
                    f"audit appends, {per} per transaction", backend, f"{rate:,.0f} /s", ""
                )
    console.print("simulation ...")
    events = simulation_events_per_second()
    table.add_row(SIMULATION_LABEL, "memory", f"{events:,.0f} /s", "")
    table.add_row(
        "yardstick: sum(range(1000)), before / after",
        "-",
        f"{yardstick_before:.1f} us / {yardstick_microseconds():.1f} us",
        "about 10 us on an idle core",
    )
    console.print(table)
    console.print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"{platform.platform()}"
    )


if __name__ == "__main__":
    main()
