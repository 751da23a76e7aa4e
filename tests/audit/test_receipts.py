"""Consent receipts: Kantara v1.1 fields, signed EdDSA under the pinned key, tied to the log
entry they describe; the consent's life as DPV statuses."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.audit.receipts import ReceiptError, verify_jws
from app.cli import cli
from app.workflow import merkle
from app.workflow.signed_note import Verifier
from tests.factories import World

KANTARA_FIELDS = {
    "version", "jurisdiction", "consentTimestamp", "collectionMethod", "consentReceiptID",
    "publicKey", "language", "piiPrincipalId", "piiControllers", "policyUrl", "services",
    "sensitive", "spiCat",
}  # fmt: skip


def _pinned(world: World) -> Verifier:
    return Verifier.parse(world.client.get("/audit/log-key").json()["verifier_key"])


def _consent(world: World) -> tuple[Any, dict[str, Any], str]:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    shared = world.share(dana, request["id"], dana.clips[:1])
    consent_id = shared.get("consent_id") or shared["consent"]["id"]
    return dana, request, str(consent_id)


def test_the_resident_fetches_a_receipt_the_auditor_can_verify(world: World) -> None:
    dana, _, consent_id = _consent(world)
    body = world.ok("GET", f"/me/consents/{consent_id}/receipt", dana.headers)
    claims = verify_jws(body["receipt"], _pinned(world))
    assert claims == body["claims"] and set(claims) >= KANTARA_FIELDS
    assert claims["version"] == "KI-CR-v1.1.0" and claims["piiPrincipalId"] == str(dana.id)
    ours = claims["consentgate"]
    assert ours["clip_ids"] == [str(dana.clips[0])] and ours["dpv_status"] == "dpv:ConsentGiven"
    seq = ours["log_entry"]["seq"]
    proof = world.ok("GET", f"/audit/proofs/inclusion/{seq}", world.auditor)
    assert proof["entry"]["action"] == "consent.given"
    assert proof["entry"]["subject_id"] == consent_id
    merkle.verify_inclusion(
        seq,
        proof["size"],
        bytes.fromhex(ours["log_entry"]["leaf_hash"]),
        [base64.b64decode(p) for p in proof["proof"]],
        base64.b64decode(proof["root"]),
    )
    check = world.ok(
        "POST", "/audit/receipts/verify", world.auditor, json={"receipt": body["receipt"]}
    )
    assert check["valid"] and check["log_entry_matches"] is True
    assert check["dpv_status_now"] == "dpv:ConsentGiven"
    assert [e["status"] for e in body["history"]] == ["dpv:ConsentRequested", "dpv:ConsentGiven"]


def test_forged_and_foreign_receipts_are_refused(world: World) -> None:
    dana, _, consent_id = _consent(world)
    token = world.ok("GET", f"/me/consents/{consent_id}/receipt", dana.headers)["receipt"]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["consentgate"]["clip_ids"].append("00000000-0000-4000-8000-000000000000")
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    hs256 = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
    pinned = _pinned(world)
    for bad, reason in (
        (f"{header}.{forged_payload}.{signature}", "does not verify"),
        (f"{hs256}.{payload}.{signature}", "only EdDSA"),
        (f"{header}.{payload}", "compact JWS"),
    ):
        with pytest.raises(ReceiptError, match=reason):
            verify_jws(bad, pinned)
        answer = world.ok("POST", "/audit/receipts/verify", world.auditor, json={"receipt": bad})
        assert answer["valid"] is False and reason in answer["reason"]
    other = world.resident(north_m=30, name="Other")
    response = world.client.get(f"/me/consents/{consent_id}/receipt", headers=other.headers)
    assert response.status_code == 404 and response.json()["code"] == "consent_not_found"


def test_the_consent_life_in_dpv_statuses(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    eli = world.resident(north_m=40, name="Eli")
    fay = world.resident(north_m=80, name="Fay")
    request = world.file(agency)
    shared = world.share(dana, request["id"], dana.clips[:1])
    consent_id = shared.get("consent_id") or shared["consent"]["id"]
    world.ok("POST", f"/me/consents/{consent_id}/withdraw", dana.headers)
    world.ok("POST", f"/me/requests/{request['id']}/decline", eli.headers)
    world.clock.advance(timedelta(days=8))
    world.app.state.runtime.write(_expire)  # Fay never answered: her notice expires

    def statuses(resident: Any) -> list[str]:
        url = f"/me/requests/{request['id']}/consent-history"
        return [e["status"] for e in world.ok("GET", url, resident.headers)["data"]]

    assert statuses(dana) == ["dpv:ConsentRequested", "dpv:ConsentGiven", "dpv:ConsentWithdrawn"]
    assert statuses(eli) == ["dpv:ConsentRequested", "dpv:ConsentRefused"]
    assert statuses(fay) == ["dpv:ConsentRequested", "dpv:ConsentExpired"]
    receipt = world.ok("GET", f"/me/consents/{consent_id}/receipt", dana.headers)
    assert receipt["claims"]["consentgate"]["dpv_status"] == "dpv:ConsentWithdrawn"


def _expire(ctx: Any) -> int:
    from app.workflow.requests import expire_due

    return expire_due(ctx)


def test_the_offline_receipt_check(world: World, tmp_path: Path) -> None:
    dana, _, consent_id = _consent(world)
    answer = world.client.get(f"/me/consents/{consent_id}/receipt", headers=dana.headers)
    (tmp_path / "receipt.json").write_text(answer.text)
    key = world.client.get("/audit/log-key").json()["verifier_key"]
    result = CliRunner().invoke(
        cli, ["audit", "verify-receipt", str(tmp_path / "receipt.json"), "--key", key]
    )
    assert result.exit_code == 0 and "valid receipt" in result.output, result.output
    token = answer.json()["receipt"]
    (tmp_path / "bad.jws").write_text(token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB"))
    result = CliRunner().invoke(
        cli, ["audit", "verify-receipt", str(tmp_path / "bad.jws"), "--key", key]
    )
    assert result.exit_code == 1 and "INVALID" in result.output
    # Not a receipt at all, or far too large to be one, is the auditor's input: exit 2.
    (tmp_path / "notes.txt").write_text("my notes on the case\n")
    (tmp_path / "huge.jws").write_text(token + "A" * 70_000)
    for name in ("notes.txt", "huge.jws"):
        result = CliRunner().invoke(
            cli, ["audit", "verify-receipt", str(tmp_path / name), "--key", key]
        )
        assert result.exit_code == 2, result.output
        assert f"error: {tmp_path / name}:" in " ".join(result.output.split())


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("as_answer", [False, True], ids=["jws", "json-answer"])
@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        # RFC 7519 6.1's unsecured JWT: "alg": "none" and an empty signature.
        (lambda h, p, s: f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{p}.", "'none' refused"),
        (lambda h, p, s: f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{p}.{s}", "'none' refused"),
        (lambda h, p, s: f"{h}.{p}.", "does not verify"),  # the signature cut off
        (lambda h, p, s: f"{h}.{p}.{'B' if s[0] == 'A' else 'A'}{s[1:]}", "does not verify"),
    ],
    ids=["alg-none", "alg-none-signed", "no-signature", "wrong-signature"],
)
def test_an_unsigned_receipt_fails_verification_as_a_forged_one_does(
    tmp_path: Path, forge: Any, reason: str, as_answer: bool
) -> None:
    """An `alg: none` receipt with its empty signature was 'neither a compact JWS nor a receipt
    answer', exit 2 (the auditor's input unreadable), where a wrong signature is INVALID, exit
    1: both are forgeries, and a script reading the exit status must see a failed check."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.audit.receipts import sign_jws
    from app.workflow.signed_note import Signer

    signer = Signer("example.org/log", Ed25519PrivateKey.generate())
    header, payload, signature = sign_jws(signer, {"consentReceiptID": "r1"}).split(".")
    token = forge(header, payload, signature)
    receipt = tmp_path / "receipt"
    receipt.write_text(json.dumps({"receipt": token}) if as_answer else token)
    result = CliRunner().invoke(
        cli, ["audit", "verify-receipt", str(receipt), "--key", signer.verifier.encode()]
    )
    assert result.exit_code == 1, result.output
    assert "INVALID" in result.output and reason in result.output
