"""The full consent round trip through the HTTP API, served by uvicorn with 1 and 2 workers,
next to a bare FastAPI endpoint served the same way.

One round trip is four calls: the agency files a request (the service fans it out and notifies
the resident), the resident shares her clip (the gate releases it in the same transaction),
the agency lists the request's footage, and downloads the released clip. The bare figure is
requests per second of `GET /bare`; the ratio, round trips per second over bare requests per
second, is the figure to compare across machines. Load comes from CLIENTS threads with
keep-alive connections on this machine, the same client for both.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

from app.clock import SystemClock
from app.security import TokenConfig
from tests.factories import World
from tests.scale.server import ServerProcess

SECRET = "bench-secret-" + "x" * 40
CLIENTS = 8
DURATION_S = 5.0


@dataclass
class Rate:
    label: str
    per_second: float
    completed: int


class _Tokens:
    def __init__(self) -> None:
        self.state = SimpleNamespace(
            runtime=SimpleNamespace(tokens=TokenConfig(SECRET, "consentgate", "consentgate-api"))
        )


def _env(tmp: Path, database_url: str) -> dict[str, str]:
    return {
        "CONSENTGATE_ENV": "test",
        "CONSENTGATE_SECRET": SECRET,
        "CONSENTGATE_DB_PATH": str(tmp / f"bench-{uuid.uuid4().hex[:8]}.db"),
        "CONSENTGATE_SECRET_FILE": str(tmp / "secret.key"),
        "DATABASE_URL": database_url,
        # Each round trip files a new case; the default limit of two per case is not in play.
        "CONSENTGATE_POLICY": "privacy-by-design",
        # The edge's burst limit (10 filings per agency and hour, app/ratelimit.py) would stop
        # one agency's round trips after ten: the bench measures the workflow, not the limiter.
        "CONSENTGATE_RATE_FILINGS_PER_HOUR": "100000",
    }


def _drive(base_url: str, one: Any, label: str, duration_s: float = DURATION_S) -> Rate:
    """CLIENTS threads call `one(client)` in a loop for `duration_s`; count completed units."""
    done = [0] * CLIENTS
    stop = time.monotonic() + duration_s
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            while time.monotonic() < stop:
                try:
                    one(client)
                except BaseException as exc:
                    errors.append(exc)
                    return
                done[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if errors:
        raise RuntimeError(f"{label}: {errors[0]!r}")
    return Rate(label, sum(done) / elapsed, sum(done))


def bare(tmp: Path, workers: int) -> Rate:
    server = ServerProcess(
        {"CONSENTGATE_SERVER_APP": "bench.bare_app:create_bare_app"}, workers=workers
    )
    server.start()
    try:

        def one(client: httpx.Client) -> None:
            client.get("/bare").raise_for_status()

        return _drive(server.base_url, one, f"bare GET, {workers} worker(s)")
    finally:
        server.stop()


def round_trip(
    tmp: Path, workers: int, database_url: str, backend: str, duration_s: float = DURATION_S
) -> Rate:
    server = ServerProcess(_env(tmp, database_url), workers=workers)
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as setup_client:
            world = World(setup_client, _Tokens(), SystemClock())  # type: ignore[arg-type]
            agency = world.agency()
            resident = world.resident(clips=1)
            body = world.request_body(radius_m=200)

        def one(client: httpx.Client) -> None:
            filed = client.post(
                "/portal/requests",
                headers=agency.headers,
                json={**body, "case_number": f"B-{uuid.uuid4().hex[:12]}"},
            )
            filed.raise_for_status()
            request_id = filed.json()["id"]
            shared = client.post(
                f"/me/requests/{request_id}/share",
                headers=resident.headers,
                json={"clip_ids": [str(resident.clips[0])]},
            )
            shared.raise_for_status()
            footage = client.get(f"/portal/requests/{request_id}/footage", headers=agency.headers)
            footage.raise_for_status()
            release_id = footage.json()["data"][0]["release_id"]
            client.get(f"/portal/footage/{release_id}", headers=agency.headers).raise_for_status()

        label = f"round trip ({backend}), {workers} worker(s)"
        return _drive(server.base_url, one, label, duration_s)
    finally:
        server.stop()
