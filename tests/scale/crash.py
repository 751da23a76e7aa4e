"""One crash round: load a served database with writes, SIGKILL the server while a write is
in progress (the database itself confirms it), restart, and check what survived.

The handshake asks the database, not a timer: on SQLite a probe finds the write lock taken
(BEGIN IMMEDIATE fails at once with "database is locked"); on PostgreSQL the server's own
connections (tagged by application_name) hold the writers' advisory lock. Only then is the
server killed, so the kill lands inside a write transaction or its commit.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

from app.clock import SystemClock
from app.config import Settings
from app.db import Database
from app.security import TokenConfig
from app.store.sql import AUDIT_LOCK_KEY
from app.workflow.audit import verify_chain
from app.workflow.records import Consent, Release, Resident
from tests.conftest import TEST_SECRET
from tests.factories import World
from tests.scale.server import ServerProcess

RESIDENTS_IN_AREA = 40
MIN_ACKS_BEFORE_KILL = 10


@dataclass
class Acknowledged:
    """Writes the server answered 2xx for: each must survive the crash."""

    residents: list[str] = field(default_factory=list)
    consents: list[str] = field(default_factory=list)
    released: list[tuple[str, str]] = field(default_factory=list)  # (request id, clip id)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        return len(self.residents) + len(self.consents)


@dataclass
class CrashReport:
    handshake: str
    acknowledged: int
    releases: int
    audit_entries: int
    integrity: str


class _Tokens:
    def __init__(self) -> None:
        tokens = TokenConfig(TEST_SECRET, "consentgate", "consentgate-api")
        self.state = SimpleNamespace(runtime=SimpleNamespace(tokens=tokens))


def _pg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class WriteProbe:
    """Tells whether the server is inside a write transaction right now."""

    def __init__(self, settings: Settings, app_name: str) -> None:
        self.settings = settings
        self.app_name = app_name
        self._pg: Any = None
        if settings.database_url:
            import psycopg

            self._pg = psycopg.connect(_pg_conninfo(settings.database_url), autocommit=True)

    def writing(self) -> bool:
        if self._pg is not None:
            row = self._pg.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.granted "
                "AND a.application_name = %s",
                (AUDIT_LOCK_KEY, self.app_name),
            ).fetchone()
            return bool(row[0])
        probe = sqlite3.connect(str(self.settings.db_path), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        finally:
            probe.close()

    def close(self) -> None:
        if self._pg is not None:
            self._pg.close()


def server_env(settings: Settings, tmp: Path, app_name: str) -> dict[str, str]:
    url = settings.database_url or ""
    if url:
        url += ("&" if "?" in url else "?") + f"application_name={app_name}"
    return {
        "CONSENTGATE_ENV": "test",
        "CONSENTGATE_SECRET": TEST_SECRET,
        "CONSENTGATE_DB_PATH": str(settings.db_path),
        "CONSENTGATE_SECRET_FILE": str(tmp / "secret.key"),
        "DATABASE_URL": url,
        "CONSENTGATE_SERVER_LOG": str(tmp / "server.log"),
    }


def _load(world: World, request_id: str, residents: list[Any], acked: Acknowledged) -> None:
    """Share each resident's clip in turn; stop at the first connection error (the crash)."""
    try:
        for resident in residents:
            response = world.client.post(
                f"/me/requests/{request_id}/share",
                headers=resident.headers,
                json={"clip_ids": [str(c) for c in resident.clips]},
            )
            if response.status_code == 201:
                body = response.json()
                with acked.lock:
                    acked.consents.append(body["consent"]["id"])
                    acked.released += [(request_id, c) for c in body["released_clip_ids"]]
    except httpx.HTTPError:
        return


def _create_residents(world: World, acked: Acknowledged) -> None:
    try:
        while True:
            response = world.client.post(
                "/operator/residents",
                headers=world.operator,
                json={"name": "Load", "contact": "load@example.org"},
            )
            if response.status_code == 201:
                with acked.lock:
                    acked.residents.append(response.json()["id"])
    except httpx.HTTPError:
        return


def _world(base_url: str, clients: list[httpx.Client]) -> World:
    client = httpx.Client(base_url=base_url, timeout=30)
    clients.append(client)
    return World(client, _Tokens(), SystemClock())  # type: ignore[arg-type]


def crash_round(settings: Settings, tmp: Path) -> CrashReport:
    clients: list[httpx.Client] = []
    try:
        return _crash_round(settings, tmp, clients)
    finally:
        for client in clients:
            client.close()


def _crash_round(settings: Settings, tmp: Path, clients: list[httpx.Client]) -> CrashReport:
    app_name = f"crash-{uuid.uuid4().hex[:12]}"
    env = server_env(settings, tmp, app_name)
    server = ServerProcess(env).start()
    setup = _world(server.base_url, clients)
    agency = setup.agency()
    residents = [
        setup.resident(north_m=i % 11 * 10, east_m=i // 11 * 10, clips=1)
        for i in range(RESIDENTS_IN_AREA)
    ]
    request_id = setup.file(agency, radius_m=200)["id"]

    acked = Acknowledged()
    halves = [residents[0::2], residents[1::2]]
    workers = [
        threading.Thread(
            target=_load,
            args=(_world(server.base_url, clients), request_id, half, acked),
        )
        for half in halves
    ]
    workers.append(
        threading.Thread(
            target=_create_residents,
            args=(_world(server.base_url, clients), acked),
        )
    )
    probe = WriteProbe(settings, app_name)
    handshake = ""
    try:
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if acked.count() >= MIN_ACKS_BEFORE_KILL and probe.writing():
                server.kill()
                handshake = "write lock held by the server at the kill"
                break
        else:
            raise AssertionError("never saw the server inside a write")
    finally:
        server.kill()
        probe.close()
        for worker in workers:
            worker.join(timeout=30)
    return _check_after_restart(settings, env, acked, handshake, clients)


def _integrity(settings: Settings) -> str:
    if not settings.database_url:
        with sqlite3.connect(str(settings.db_path)) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchall()
            assert result == [("ok",)], result
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        return "PRAGMA integrity_check: ok; foreign_key_check: clean"
    import psycopg

    with psycopg.connect(_pg_conninfo(settings.database_url), autocommit=True) as connection:
        available = connection.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck'"
        ).fetchone()
        if available is None:
            return "amcheck not installed: index check skipped"
        connection.execute("CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA public")
        indexes = connection.execute(
            "SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am am ON am.oid = c.relam "
            "WHERE c.relnamespace = current_schema()::regnamespace AND am.amname = 'btree'"
        ).fetchall()
        for (oid,) in indexes:
            connection.execute("SELECT public.bt_index_check(%s::regclass, true)", (oid,))
        return f"amcheck bt_index_check (heapallindexed) on {len(indexes)} indexes: ok"


def _check_after_restart(
    settings: Settings,
    env: dict[str, str],
    acked: Acknowledged,
    handshake: str,
    clients: list[httpx.Client],
) -> CrashReport:
    integrity = _integrity(settings)
    server = ServerProcess(env).start()
    try:
        world = _world(server.base_url, clients)
        verdict = world.ok("GET", "/audit/verify", world.auditor)
        assert verdict["ok"] is True, verdict
    finally:
        server.stop()
    db = Database(settings.url())
    try:
        with db.read() as store:
            residents = {str(r.id) for r in store.find(Resident)}
            consents = {str(c.id) for c in store.find(Consent)}
            releases = store.find(Release)
            entries = store.audit_entries(0, 10_000_000)
    finally:
        db.dispose()
    assert verify_chain(entries).ok
    logged = {(e.action, e.subject_id) for e in entries}
    for release in releases:
        assert ("release.created", str(release.id)) in logged, f"release {release.id} unlogged"
    for consent_id in consents:
        assert ("consent.given", consent_id) in logged
    missing = set(acked.residents) - residents
    assert not missing, f"acknowledged residents lost: {missing}"
    assert not set(acked.consents) - consents, "an acknowledged consent was lost"
    stored = {(str(r.request_id), str(r.clip_id)) for r in releases}
    assert not set(acked.released) - stored, "an acknowledged release was lost"
    return CrashReport(handshake, acked.count(), len(releases), len(entries), integrity)
