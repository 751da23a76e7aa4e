"""Token attacks over HTTP (RFC 8725): every forgery answers the same 401, whatever the route.

python-jose 3.5.0 has open algorithm-confusion reports (CVE-2024-33663: an HMAC secret taken
from public key material it does not recognise as such, e.g. DER or raw bytes). The service
pins HS256 and only ever verifies with its own secret, so a token HMAC-signed with any form of
a public key must be refused: shown here for the service's own asymmetric keys when it has any.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import FastAPI

from app.security import MAX_TOKEN_MINUTES
from app.workflow.states import Role
from tests.factories import World
from tests.security.forgery import HEADER, claims, edit_payload, forged_tokens, sign

INVALID = {"detail": "The token is invalid or expired.", "code": "invalid_token"}
# One route per role: a forgery must fail at authentication whichever role it claims.
ROUTE_FOR = {
    "operator": ("GET", "/operator/agencies"),
    "agency": ("GET", "/portal/requests"),
    "resident": ("GET", "/me/requests"),
    "auditor": ("GET", "/audit/verify"),
}


def service_public_keys(app: FastAPI) -> list[Ed25519PublicKey]:
    """HOOK: the service's own asymmetric public keys (the auditor toolkit's Ed25519 log and
    receipt keys). Any Ed25519 key the runtime or app state holds is found here; when the key
    lives elsewhere, return it from its loading function in this one place."""
    found: list[Ed25519PublicKey] = []
    holders: list[Any] = [app.state.runtime, *vars(app.state.runtime).values()]
    holders += list(getattr(app.state, "_state", {}).values())
    for holder in holders:
        values = [holder, *getattr(holder, "__dict__", {}).values()]
        for value in values:
            if isinstance(value, Ed25519PrivateKey):
                found.append(value.public_key())
            elif isinstance(value, Ed25519PublicKey):
                found.append(value)
    return found


def public_key_forms(key: Ed25519PublicKey) -> dict[str, bytes]:
    return {
        "pem": key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "der": key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "openssh": key.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ),
        "raw": key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
    }


def _assert_refused(world: World, token: str, role: str = "operator") -> None:
    method, url = ROUTE_FOR[role]
    response = world.client.request(method, url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.json() == INVALID  # one answer for every reason: no oracle for a forger
    assert response.headers["WWW-Authenticate"] == "Bearer"


ATTACKS = [
    "alg-none",
    "alg-none-no-dot",
    "alg-None",
    "hs512-same-secret",
    "wrong-key",
    "empty-key",
    "expired",
    "not-yet-valid",
    "issued-in-the-future",
    "no-iat",
    "far-future-exp",
    "unknown-role",
    "wrong-aud",
    "wrong-iss",
    "no-aud",
    "no-exp",
    "typ-jwt",
    "no-typ",
    "jwk-header",
    "resident-edited-to-operator",
    "jwe",
    "oversized",
    "deeply-nested-header",
]


def test_forged_tokens_are_refused_over_http(world: World) -> None:
    """One app for all the forgeries (cheap on PostgreSQL); each is named when it fails."""
    tokens = forged_tokens(world.app.state.runtime.tokens, world.clock.now(), uuid4())
    assert set(tokens) == set(ATTACKS)
    accepted = []
    for attack in ATTACKS:
        try:
            _assert_refused(world, tokens[attack])
        except AssertionError as exc:
            accepted.append(f"{attack}: {exc}")
    assert not accepted, "forged tokens not refused as expected:\n" + "\n".join(accepted)


def test_the_same_claims_signed_properly_are_accepted(world: World) -> None:
    """The forgeries fail for their flaw alone: the unflawed token passes the same route."""
    config = world.app.state.runtime.tokens
    token = sign(HEADER, claims(config, world.clock.now()), config.secret.encode())
    response = world.client.get("/operator/agencies", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def test_resident_token_edited_into_an_agency_is_refused(world: World) -> None:
    agency = world.agency()
    resident = world.resident()
    token = resident.headers["Authorization"].split()[1]
    for role, subject in (("agency", str(agency.id)), ("auditor", str(resident.id))):
        _assert_refused(world, edit_payload(token, role=role, sub=subject), role)


def test_hmac_signed_with_public_key_material_is_refused(world: World) -> None:
    keys = service_public_keys(world.app)
    # Until the service holds a key of its own, a fresh one stands in for it (same attack).
    keys = keys or [Ed25519PrivateKey.generate().public_key()]
    config = world.app.state.runtime.tokens
    for key in keys:
        forms = public_key_forms(key)
        assert set(forms) == {"pem", "der", "openssh", "raw"}
        for material in forms.values():
            for alg in ("HS256", "HS384", "EdDSA"):
                header = {"alg": alg, "typ": "at+jwt"}
                _assert_refused(world, sign(header, claims(config, world.clock.now()), material))


def test_every_role_route_refuses_unsigned_tokens(world: World) -> None:
    config = world.app.state.runtime.tokens
    for role in ROUTE_FOR:
        unsigned = sign(
            {"alg": "none", "typ": "at+jwt"}, claims(config, world.clock.now(), role=role), b""
        )
        _assert_refused(world, unsigned.rsplit(".", 1)[0] + ".", role)


def test_no_bearer_token_is_not_authenticated(world: World) -> None:
    for headers in (
        {"Authorization": "Basic b3BlcmF0b3I6b3BlcmF0b3I="},
        {"Authorization": "Bearer"},
        {"Authorization": ""},
        {"X-Access-Token": "anything"},
    ):
        response = world.client.get("/operator/agencies", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["code"] == "not_authenticated"


def test_token_in_the_query_string_is_ignored(world: World) -> None:
    token = world.operator["Authorization"].split()[1]
    response = world.client.get(f"/operator/agencies?access_token={token}")
    assert response.status_code == 401  # tokens in URLs end up in logs (RFC 6750, section 5.3)


def test_a_valid_token_for_another_role_is_a_403_not_a_401(world: World) -> None:
    headers = world.headers(Role.RESIDENT, uuid4())
    response = world.client.get("/operator/agencies", headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_role"


def test_the_longest_token_the_api_mints_is_accepted(world: World) -> None:
    """decode_token's lifetime cap is the minting cap: nothing minted is then refused."""
    minted = world.ok(
        "POST",
        "/operator/tokens",
        world.operator,
        json={"role": "auditor", "minutes": MAX_TOKEN_MINUTES},
    )
    world.clock.advance(timedelta(minutes=MAX_TOKEN_MINUTES - 1))
    headers = {"Authorization": f"Bearer {minted['token']}"}
    assert world.client.get("/audit/verify", headers=headers).status_code == 200
    too_long = world.client.post(
        "/operator/tokens",
        headers=world.operator,
        json={"role": "auditor", "minutes": MAX_TOKEN_MINUTES + 1},
    )
    assert too_long.status_code == 422, too_long.text
