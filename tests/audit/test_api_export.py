"""An auditor without database access exports over the REST API and verifies offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app import cli_audit
from app.cli import cli
from tests.factories import World


def test_export_over_http_then_verify_offline(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    world.share(dana, request["id"], dana.clips[:1])
    monkeypatch.setattr(cli_audit, "http_client", lambda url: TestClient(world.app, base_url=url))
    token = world.auditor["Authorization"].removeprefix("Bearer ")
    key = world.client.get("/audit/log-key").json()["verifier_key"]
    runner = CliRunner()
    bundle = str(tmp_path / "bundle")
    result = runner.invoke(
        cli, ["audit", "export", bundle, "--url", "http://testserver", "--token", token]
    )
    assert result.exit_code == 0, result.output
    size = int((tmp_path / "bundle" / "checkpoint").read_text().split("\n")[1])
    result = runner.invoke(cli, ["audit", "verify", bundle, "--key", key])
    assert result.exit_code == 0 and f"verified: {size} entries" in result.output, result.output

    refused = runner.invoke(
        cli, ["audit", "export", bundle, "--url", "http://testserver", "--token", "x.y.z"]
    )
    assert refused.exit_code == 2 and "401" in refused.output
    assert refused.output.startswith("error: --token: "), refused.output
    agency_token = agency.headers["Authorization"].removeprefix("Bearer ")
    wrong_role = runner.invoke(
        cli, ["audit", "export", bundle, "--url", "http://testserver", "--token", agency_token]
    )
    assert wrong_role.exit_code == 2 and wrong_role.output.startswith("error: --token: ")
    assert "403" in wrong_role.output and "auditor role" in wrong_role.output


def test_a_url_that_does_not_answer_is_named(tmp_path: Path) -> None:
    # Port 1 on the loopback: nothing listens there, the connection is refused at once.
    result = CliRunner().invoke(
        cli, ["audit", "export", str(tmp_path / "b"), "--url", "http://127.0.0.1:1", "--token", "t"]
    )
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: --url http://127.0.0.1:1: cannot reach the service")


def test_the_export_route_serves_exactly_the_asked_size(world: World) -> None:
    world.agency()
    response = world.client.get("/audit/export?size=2", headers=world.auditor)
    assert response.status_code == 200
    assert [line[:8] for line in response.text.splitlines()] == ['{"action'] * 2
    too_big = world.client.get("/audit/export?size=999", headers=world.auditor)
    assert too_big.status_code == 422 and too_big.json()["code"] == "size_beyond_log"
