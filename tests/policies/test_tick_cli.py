"""`consentgate tick` does, from the command line, what POST /operator/tick does: releases
consents past their cooling-off and marks expired requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.clock import SimulatedClock
from app.config import Settings
from app.runtime import Runtime
from app.workflow import operator, requests, responses
from app.workflow.context import SYSTEM, Actor, Ctx
from app.workflow.records import Release
from app.workflow.states import PartnershipStatus, Role
from tests.factories import CITY

POLICY_FILE = """
base = "privacy-by-design"
name = "cooling"
[parameters]
cooling_off_minutes = 60
request_open_days = 1
"""


def test_tick_command_releases_due_consents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    policy_path = tmp_path / "cooling.toml"
    policy_path.write_text(POLICY_FILE)
    settings = Settings(db_path=tmp_path / "tick.db", policy=str(policy_path))
    # Two days ago, in simulated time: a request is filed and a clip shared.
    past = SimulatedClock(datetime.now(UTC) - timedelta(days=2))
    runtime = Runtime.build(settings, clock=past)

    def world(ctx: Ctx) -> None:
        agency = operator.create_agency(
            ctx,
            SYSTEM,
            name="PD",
            jurisdiction="PD",
            center_lat=CITY[0],
            center_lng=CITY[1],
            radius_m=2000,
        )
        operator.set_partnership(ctx, SYSTEM, agency_id=agency.id, status=PartnershipStatus.ACTIVE)
        resident = operator.create_resident(ctx, SYSTEM, name="R", contact="r@example.org")
        camera = operator.create_camera(
            ctx, SYSTEM, resident_id=resident.id, lat=CITY[0], lng=CITY[1]
        )
        start = past.now() - timedelta(hours=2)
        clip = operator.create_clip(
            ctx, SYSTEM, camera_id=camera.id, starts_at=start, ends_at=start + timedelta(minutes=5)
        )
        draft = requests.RequestDraft(
            case_number="C",
            incident_type="burglary",
            description="d",
            center_lat=CITY[0],
            center_lng=CITY[1],
            radius_m=200,
            window_start=start - timedelta(minutes=5),
            window_end=start + timedelta(minutes=55),
        )
        request = requests.file_request(
            ctx, Actor(Role.AGENCY, agency.id, "O"), agency_id=agency.id, draft=draft
        )
        _, released = responses.share(
            ctx,
            Actor(Role.RESIDENT, resident.id),
            resident_id=resident.id,
            request_id=request.id,
            clip_ids=[clip.id],
        )
        assert released == []  # the cooling-off holds it

    runtime.write(world)
    runtime.db.dispose()
    result = CliRunner().invoke(
        cli, ["tick", "--db", str(tmp_path / "tick.db"), "--policy", str(policy_path)]
    )
    assert result.exit_code == 0, result.output
    assert "released 1, expired 1" in result.output
    again = CliRunner().invoke(
        cli, ["tick", "--db", str(tmp_path / "tick.db"), "--policy", str(policy_path)]
    )
    assert "released 0, expired 0" in again.output
    check = Runtime.build(settings)
    assert check.read(lambda c: c.store.count(Release)) == 1
    check.db.dispose()
    bad = CliRunner().invoke(cli, ["tick", "--db", str(tmp_path / "tick.db"), "--policy", "nope"])
    assert bad.exit_code == 2 and "unknown policy 'nope'" in bad.output
