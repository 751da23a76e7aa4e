"""Token checks: one pinned algorithm, required claims, our type, compact JWS only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from app.security import MAX_TOKEN_MINUTES, InvalidToken, TokenConfig, decode_token, mint_token
from app.workflow.context import Actor
from app.workflow.states import Role

CONFIG = TokenConfig("k" * 48, "consentgate", "consentgate-api")
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], claims: dict[str, Any], key: bytes = b"k" * 48) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(sig)}"


def claims(**changes: Any) -> dict[str, Any]:
    base = {
        "iss": "consentgate",
        "aud": "consentgate-api",
        "sub": str(uuid4()),
        "role": "agency",
        "iat": int(NOW.timestamp()),
        "nbf": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=1)).timestamp()),
        "jti": str(uuid4()),
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


HEADER = {"alg": "HS256", "typ": "at+jwt"}


def test_round_trip() -> None:
    actor = Actor(Role.AGENCY, uuid4(), "Officer Riley")
    token = mint_token(CONFIG, actor, now=NOW, lifetime=timedelta(hours=1))
    assert decode_token(CONFIG, token, now=NOW) == actor
    assert decode_token(CONFIG, forge(HEADER, claims()), now=NOW).role is Role.AGENCY


@pytest.mark.parametrize(
    "token",
    [
        forge({"alg": "none", "typ": "at+jwt"}, claims()).rsplit(".", 1)[0] + ".",
        forge({"alg": "HS512", "typ": "at+jwt"}, claims()),
        forge({"alg": "HS256", "typ": "JWT"}, claims()),
        forge({"alg": "HS256", "typ": "at+jwt", "kid": "../../dev/null"}, claims()),
        forge(HEADER, claims(exp=None)),
        forge(HEADER, claims(nbf=None)),
        forge(HEADER, claims(aud="someone-else")),
        forge(HEADER, claims(iss="someone-else")),
        forge(HEADER, claims(role="root")),
        forge(HEADER, claims(exp=int(NOW.timestamp()))),  # expired at this instant
        forge(HEADER, claims(nbf=int((NOW + timedelta(minutes=1)).timestamp()))),
        forge(HEADER, claims(), key=b"not the key" * 4),
        "a.b.c.d.e",  # a JWE has five parts
        forge(HEADER, claims(pad="x" * 9000)),
    ],
    ids=[
        "alg-none",
        "hs512",
        "typ-jwt",
        "kid",
        "no-exp",
        "no-nbf",
        "aud",
        "iss",
        "role",
        "expired",
        "not-yet-valid",
        "wrong-key",
        "jwe",
        "oversized",
    ],
)
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        decode_token(CONFIG, token, now=NOW)


def test_editing_the_payload_breaks_the_signature() -> None:
    resident = mint_token(
        CONFIG, Actor(Role.RESIDENT, uuid4()), now=NOW, lifetime=timedelta(hours=1)
    )
    head, body, sig = resident.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["role"] = "agency"
    edited = f"{head}.{b64(json.dumps(payload).encode())}.{sig}"
    with pytest.raises(InvalidToken):
        decode_token(CONFIG, edited, now=NOW)


def _ed25519_public_forms() -> dict[str, bytes]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate().public_key()
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return {
        "pem": key.public_bytes(serialization.Encoding.PEM, spki),
        "der": key.public_bytes(serialization.Encoding.DER, spki),
        "openssh": key.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ),
    }


@pytest.mark.parametrize("form", ["pem", "der", "openssh"])
@pytest.mark.parametrize("alg", ["HS256", "EdDSA", "ES256", "RS256", "PS256"])
def test_public_key_material_as_hmac_secret_is_refused(form: str, alg: str) -> None:
    """CVE-2024-33663 (algorithm confusion): jose only rejects PEM and ssh-* strings as HMAC
    secrets, so the defence is never handing a public key to decode and pinning HS256."""
    material = _ed25519_public_forms()[form]
    with pytest.raises(InvalidToken):
        decode_token(CONFIG, forge({"alg": alg, "typ": "at+jwt"}, claims(), key=material), now=NOW)


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS256", "typ": "at+jwt", "crit": ["exp"]},
        {"alg": "HS256", "typ": "at+jwt", "jku": "https://attacker.example/keys"},
        {"alg": "HS256", "typ": "at+jwt", "x5u": "https://attacker.example/cert"},
        {"alg": "HS256", "typ": "at+jwt", "zip": "DEF"},
        {"alg": "hs256", "typ": "at+jwt"},
        {"alg": ["HS256"], "typ": "at+jwt"},
        {"alg": "HS256", "typ": "at+jwt", "kid": "../../dev/null"},
        {"alg": "HS256", "typ": "at+jwt", "x5c": ["MIIB"]},
        {"alg": "HS256", "typ": "at+jwt", "b64": False, "crit": ["b64"]},
        {"alg": "HS256", "typ": "AT+JWT"},
    ],
    ids=["crit", "jku", "x5u", "zip", "lowercase-alg", "alg-list", "kid", "x5c", "b64", "typ-case"],
)
def test_unexpected_header_parameters_are_refused(header: dict[str, Any]) -> None:
    with pytest.raises(InvalidToken):
        decode_token(CONFIG, forge(header, claims()), now=NOW)


def test_compressed_jwe_never_reaches_the_library() -> None:
    """CVE-2024-33664 (a JWE 'zip' bomb): a five-part token is refused before any decoding."""
    header = b64(json.dumps({"alg": "dir", "enc": "A128GCM", "zip": "DEF"}).encode())
    token = ".".join([header, "", b64(b"0" * 12), b64(b"\x00" * 4000), b64(b"0" * 16)])
    with pytest.raises(InvalidToken, match="compact JWS"):
        decode_token(CONFIG, token, now=NOW)


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize(
    "value", ["1700000000", 1.7e9, None, True], ids=["string", "float", "null", "bool"]
)
def test_time_claims_must_be_integers(claim: str, value: Any) -> None:
    token = forge(HEADER, {**claims(), claim: value})
    with pytest.raises(InvalidToken):
        decode_token(CONFIG, token, now=NOW)


def test_a_token_issued_in_the_future_is_refused() -> None:
    """`iat` after now: no token this service mints says that (nbf alone was checked before)."""
    later = int((NOW + timedelta(seconds=1)).timestamp())
    with pytest.raises(InvalidToken, match="not yet valid"):
        decode_token(CONFIG, forge(HEADER, claims(iat=later)), now=NOW)


def test_a_lifetime_beyond_the_minting_cap_is_refused() -> None:
    """A correctly signed token valid for years (a leaked one would be good for years) is
    refused; the longest lifetime the service mints is accepted."""
    issued = int(NOW.timestamp())
    longest = forge(HEADER, claims(exp=issued + MAX_TOKEN_MINUTES * 60))
    assert decode_token(CONFIG, longest, now=NOW).role is Role.AGENCY
    for exp in (issued + MAX_TOKEN_MINUTES * 60 + 1, issued + 10 * 365 * 86_400, 2**62):
        with pytest.raises(InvalidToken, match="lifetime"):
            decode_token(CONFIG, forge(HEADER, claims(exp=exp)), now=NOW)
