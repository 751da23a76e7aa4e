"""One small scenario run in memory and through the SQL store gives identical releases,
notices and audit content; the database it writes is served and verified over the REST API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.clock import SimulatedClock
from app.config import Settings
from app.main import create_app
from app.policies.registry import load_policy
from app.security import mint_token
from app.sim.engine import Engine
from app.sim.run import simulate
from app.sim.scenario import parse_scenario
from app.sim.seeds import id_source
from app.sim.store import MemoryRunner, SqlRunner
from app.workflow.context import Actor
from app.workflow.records import (
    Agency,
    Camera,
    Clip,
    Consent,
    FootageRequest,
    Notice,
    Partnership,
    Release,
    Resident,
)
from app.workflow.states import Role
from app.workflow.store import Store
from tests.conftest import TEST_SECRET
from tests.sim.worlds import tiny_data

KINDS = (Agency, Partnership, Resident, Camera, Clip, FootageRequest, Notice, Consent, Release)


def small() -> dict[str, Any]:
    """Half the tiny city for two weeks: SQL runs a transaction per step, so keep it short."""
    data = tiny_data(days=14)
    for hood in data["city"]["neighborhoods"]:
        hood["households"] //= 2
    data["resident_behaviour"]["withdraw_probability"] = 0.6
    return data


def snapshot(store: Store) -> dict[str, Any]:
    out: dict[str, Any] = {kind.__name__: store.find(kind) for kind in KINDS}
    out["audit"] = store.audit_entries(0, 10**9)
    return out


def test_memory_and_sql_runs_agree(tmp_path: Path, database_url: str | None) -> None:
    """On SQLite, and on PostgreSQL in the suite's second pass."""
    scenario = parse_scenario(small())
    policy = load_policy("privacy-by-design")
    seed = scenario.run.seed

    clock = SimulatedClock(scenario.run.start)
    memory = MemoryRunner(clock, policy, id_source(seed), keep_audit=True)
    in_memory = Engine(scenario, policy, seed, memory, clock).run_all()

    clock = SimulatedClock(scenario.run.start)
    url = database_url or f"sqlite:///{tmp_path / 'sim.db'}"
    sql = SqlRunner(url, clock, policy, id_source(seed))
    in_sql = Engine(scenario, policy, seed, sql, clock).run_all()
    with sql.reading() as store:
        from_sql = snapshot(store)
    sql.close()

    from_memory = snapshot(memory.store)
    assert from_memory["Release"] and from_memory["Notice"] and from_memory["Consent"]
    assert any(r.revoked_at for r in from_memory["Release"])
    for key in from_memory:
        assert from_memory[key] == from_sql[key], key
    assert in_memory == in_sql


def test_a_simulated_database_is_served_and_its_log_verifies(tmp_path: Path) -> None:
    path = tmp_path / "served.db"
    result = simulate(parse_scenario(small()), db_path=path)
    settings = Settings(
        env="test", db_path=path, secret=TEST_SECRET, secret_file=tmp_path / "secret.key"
    )
    app = create_app(settings)
    try:
        runtime = app.state.runtime
        token = mint_token(
            runtime.tokens,
            Actor(Role.AUDITOR, uuid.uuid4()),
            now=runtime.clock.now(),
            lifetime=timedelta(minutes=5),
        )
        with TestClient(app) as client:
            verify = client.get("/audit/verify", headers={"Authorization": f"Bearer {token}"})
            releases = client.get("/audit/releases", headers={"Authorization": f"Bearer {token}"})
    finally:
        runtime.db.dispose()
    assert verify.status_code == 200, verify.text
    body = verify.json()
    assert body["ok"] is True
    assert body["size"] == result.audit_entries
    assert releases.status_code == 200
    assert len(releases.json()["data"]) == result.summary["clips_released_consent"]


def test_a_database_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "taken.db"
    path.write_bytes(b"something precious")
    try:
        simulate(parse_scenario(small()), db_path=path)
    except ValueError as exc:
        assert "already holds a database" in str(exc)
    else:
        raise AssertionError("an existing file must be refused")
    assert path.read_bytes() == b"something precious"
