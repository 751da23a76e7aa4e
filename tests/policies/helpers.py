"""Policies for parameter tests, and a few builders the shared factories do not offer."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import uvicorn
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from app.policies import StandardPolicy, load_policy
from app.policies.params import PolicyParams
from app.runtime import Runtime
from app.workflow.states import Role
from tests.factories import CITY, Agency, Resident, World, iso, offset

BASE = load_policy("privacy-by-design").params
ROOT = Path(__file__).resolve().parents[2]


def policy_with(**overrides: Any) -> StandardPolicy:
    """The default policy with some parameters changed (validated like a TOML file)."""
    name = "test:" + ",".join(f"{k}={v}" for k, v in sorted(overrides.items()))
    return StandardPolicy(name, PolicyParams.from_mapping(BASE, overrides))


def agency_with(
    world: World,
    *,
    verified: bool = True,
    federal: bool = False,
    promotion_duty: bool = False,
    name: str = "Agency",
) -> Agency:
    """An agency with chosen eligibility facts and an active partnership."""
    body = {
        "name": name,
        "jurisdiction": name,
        "center_lat": CITY[0],
        "center_lng": CITY[1],
        "radius_m": 3000,
        "verified": verified,
        "federal": federal,
    }
    agency_id = UUID(world.ok("POST", "/operator/agencies", world.operator, json=body)["id"])
    world.ok(
        "PUT",
        f"/operator/agencies/{agency_id}/partnership",
        world.operator,
        json={
            "status": "active",
            "starts_at": iso(world.clock.now() - timedelta(days=1)),
            "promotion_duty": promotion_duty,
        },
    )
    return Agency(agency_id, world.headers(Role.AGENCY, agency_id, "Officer Test"))


def resident_with(
    world: World, *, encrypted: bool | None = None, north_m: float = 0, clips: int = 2
) -> Resident:
    """A resident whose camera's encryption is chosen (None: the policy's default)."""
    body: dict[str, Any] = {"name": "Enc Resident", "contact": "enc@example.org"}
    if encrypted is not None:
        body["encrypt_by_default"] = encrypted
    resident_id = UUID(world.ok("POST", "/operator/residents", world.operator, json=body)["id"])
    resident = Resident(resident_id, world.headers(Role.RESIDENT, resident_id))
    lat, lng = offset(*CITY, north_m, 0)
    camera = world.ok(
        "POST",
        f"/operator/residents/{resident_id}/cameras",
        world.operator,
        json={"lat": lat, "lng": lng},
    )
    resident.cameras.append(UUID(camera["id"]))
    start = world.clock.now() - timedelta(hours=3)
    for i in range(clips):
        s = start + timedelta(minutes=10 * i)
        clip = world.ok(
            "POST",
            f"/operator/cameras/{camera['id']}/clips",
            world.operator,
            json={"starts_at": iso(s), "ends_at": iso(s + timedelta(minutes=5))},
        )
        resident.clips.append(UUID(clip["id"]))
    return resident


def post(world: World, url: str, headers: dict[str, str], **kw: Any) -> Any:
    return world.client.post(url, headers=headers, **kw)


def policy_cli_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, bad_name: str, bad_file: str
) -> Path:
    """The current folder for a command-line test of a policy name that must be refused: a
    database to tick, a secret, a three-day `town.toml`, the same town naming its policy
    `bad_name` (`bad_file`) and a `sweep.toml` listing it. `serve` never starts a server: if it
    gets that far, the test fails."""
    monkeypatch.setenv("CONSENTGATE_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CONSENTGATE_POLICY", raising=False)
    Runtime.build(Settings()).db.dispose()

    def no_server(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError(f"serve started with the policy {bad_name!r}")

    monkeypatch.setattr(uvicorn, "run", no_server)
    town = (ROOT / "scenarios" / "smalltown.toml").read_text().replace("days = 42", "days = 3")
    assert '\nname = "privacy-by-design"\n' in town
    (tmp_path / "town.toml").write_text(town)
    named = f"\nname = {json.dumps(bad_name)}\n"
    (tmp_path / bad_file).write_text(town.replace('\nname = "privacy-by-design"\n', named))
    (tmp_path / "sweep.toml").write_text(
        f'scenario = "town.toml"\npolicies = ["{bad_name}"]\n[parameters]\n'
        '"resident_behaviour.subscription_rate" = [0.5]\n'
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def refused_by_cli(monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str]) -> str:
    """Run a command that must refuse what it is given (exit 2, no traceback), with `env` set;
    its output on one line."""
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    return " ".join(result.output.split())
