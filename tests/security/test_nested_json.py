"""JSON nested past Python's recursion limit inside values the service or the auditor's CLI
decodes itself (a receipt's parts, a bundle's lines): `json.loads` raises RecursionError, not
ValueError, and it escaped every handler as a 500 or a traceback. Tokens: see forgery.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from app.audit.bundle import BundleError, fetch_bundle
from app.audit.verifier import parse_line
from app.cli import cli
from tests.factories import World
from tests.security.forgery import DEEP, b64

DEEP_TEXT = DEEP.decode()


def test_a_receipt_with_a_deeply_nested_part_is_invalid_not_a_500(world: World) -> None:
    header = b64(b'{"alg": "EdDSA"}')
    for receipt in (f"{b64(DEEP)}.{b64(b'{}')}.x", f"{header}.{b64(DEEP)}.x"):
        answer = world.client.post(
            "/audit/receipts/verify", headers=world.auditor, json={"receipt": receipt}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["valid"] is False
        assert answer.json()["reason"] == "the receipt's header or payload is not JSON"


def test_a_bundle_line_nested_too_deeply_is_a_finding_not_a_crash() -> None:
    try:
        parse_line(4, DEEP_TEXT)
    except ValueError as exc:
        assert str(exc) == "line 5 is not JSON (nested too deeply)"
    else:
        raise AssertionError("a nested line was accepted")


def test_the_offline_receipt_check_refuses_a_deeply_nested_answer(
    world: World, tmp_path: Path
) -> None:
    """`audit verify-receipt FILE`: the file may be a receipt answer (JSON); a hostile one is
    the auditor's bad input (exit 2), not a traceback."""
    key = world.client.get("/audit/log-key").json()["verifier_key"]
    path = tmp_path / "receipt.json"
    path.write_text('{"receipt": ' + DEEP_TEXT + "}")
    result = CliRunner().invoke(cli, ["audit", "verify-receipt", str(path), "--key", key])
    assert result.exit_code == 2, result.output
    assert "neither a compact JWS nor a receipt answer" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/audit/log-key", 200, DEEP_TEXT),
        ("/audit/log-key", 200, "<html>not json</html>"),
        ("/audit/checkpoint", 500, DEEP_TEXT),
    ],
    ids=["log-key-nested", "log-key-not-json", "error-nested"],
)
def test_export_from_a_hostile_service_is_refused_in_words(
    path: str, status: int, body: str
) -> None:
    """`audit export --url`: the auditor may be exporting from the service they distrust."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == path:
            return httpx.Response(status, text=body)
        if request.url.path == "/audit/checkpoint":
            return httpx.Response(200, text="origin\n0\nroot\n")
        return httpx.Response(200, text="")

    transport = httpx.MockTransport(answer)
    with (
        httpx.Client(transport=transport, base_url="http://x") as client,
        pytest.raises(BundleError) as refused,
    ):
        fetch_bundle(client, "token")
    assert refused.value.option == "--url"
