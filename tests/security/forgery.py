"""Tokens an attacker can make without the signing secret, and helpers to read the OpenAPI paths."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from app.security import TokenConfig, mint_token
from app.workflow.context import Actor
from app.workflow.states import Role

HEADER = {"alg": "HS256", "typ": "at+jwt"}
DEEP = b"[" * 2500 + b"]" * 2500


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def sign(header: dict[str, Any], claims: dict[str, Any], key: bytes) -> str:
    """A compact JWS over `claims`, HMAC-SHA256 with `key`: what python-jose would make."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(sig)}"


def claims(config: TokenConfig, now: datetime, **changes: Any) -> dict[str, Any]:
    """Valid claims for `config` at `now`; a change to None removes the claim."""
    base: dict[str, Any] = {
        "iss": config.issuer,
        "aud": config.audience,
        "sub": str(uuid4()),
        "role": "operator",
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
        "jti": str(uuid4()),
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def edit_payload(token: str, **changes: Any) -> str:
    """The same token with its payload edited and the original signature kept."""
    head, body, sig = token.split(".")
    payload = json.loads(unb64(body))
    payload.update(changes)
    return f"{head}.{b64(json.dumps(payload).encode())}.{sig}"


def forged_tokens(config: TokenConfig, now: datetime, subject: UUID) -> dict[str, str]:
    """Operator-role tokens for `subject` that the service must refuse, by attack name."""
    secret = config.secret.encode()

    def good(**changes: Any) -> dict[str, Any]:
        return claims(config, now, sub=str(subject), **changes)

    resident = mint_token(
        config, Actor(Role.RESIDENT, subject), now=now, lifetime=timedelta(hours=1)
    )
    unsigned = sign({"alg": "none", "typ": "at+jwt"}, good(), b"").rsplit(".", 1)[0]
    jwe_header = b64(json.dumps({"alg": "dir", "enc": "A256GCM", "zip": "DEF"}).encode())
    return {
        "alg-none": unsigned + ".",
        "alg-none-no-dot": unsigned,
        "alg-None": sign({"alg": "None", "typ": "at+jwt"}, good(), secret).rsplit(".", 1)[0] + ".",
        "hs512-same-secret": _hs512({"alg": "HS512", "typ": "at+jwt"}, good(), secret),
        "wrong-key": sign(HEADER, good(), b"guessed-" * 8),
        "empty-key": sign(HEADER, good(), b""),
        "expired": sign(HEADER, good(exp=int(now.timestamp()) - 1), secret),
        "not-yet-valid": sign(
            HEADER, good(nbf=int((now + timedelta(minutes=5)).timestamp())), secret
        ),
        "issued-in-the-future": sign(
            HEADER, good(iat=int((now + timedelta(minutes=5)).timestamp())), secret
        ),
        "no-iat": sign(HEADER, good(iat=None), secret),
        "far-future-exp": sign(
            HEADER, good(exp=int((now + timedelta(days=3650)).timestamp())), secret
        ),
        "unknown-role": sign(HEADER, good(role="superuser"), secret),
        "wrong-aud": sign(HEADER, good(aud="another-api"), secret),
        "wrong-iss": sign(HEADER, good(iss="another-issuer"), secret),
        "no-aud": sign(HEADER, good(aud=None), secret),
        "no-exp": sign(HEADER, good(exp=None), secret),
        "typ-jwt": sign({"alg": "HS256", "typ": "JWT"}, good(), secret),
        "no-typ": sign({"alg": "HS256"}, good(), secret),
        "jwk-header": sign(
            {**HEADER, "jwk": {"kty": "oct", "k": b64(b"a" * 32)}}, good(), b"a" * 32
        ),
        "resident-edited-to-operator": edit_payload(resident, role="operator"),
        "jwe": f"{jwe_header}.{b64(b'')}.{b64(b'iv' * 6)}.{b64(b'x' * 40)}.{b64(b't' * 16)}",
        "oversized": sign(HEADER, good(pad="x" * 9000), secret),
        # JSON nested past Python's recursion limit, well under 8 KB: json.loads raises
        # RecursionError (not ValueError), which escaped as a 500 before any signature check.
        "deeply-nested-header": f"{b64(DEEP)}.{b64(json.dumps(good()).encode())}.{b64(b'x')}",
    }


def _hs512(header: dict[str, Any], body: dict[str, Any], key: bytes) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(body).encode())}"
    sig = hmac.new(key, signing_input.encode(), hashlib.sha512).digest()
    return f"{signing_input}.{b64(sig)}"


def operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every operation in an OpenAPI document, sorted."""
    out = []
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options"}:
                out.append((method.upper(), path, operation))
    return sorted(out, key=lambda o: (o[1], o[0]))


def fill_path(path: str, values: dict[str, str] | None = None) -> str:
    """`path` with each `{param}` replaced by `values[param]`, else a fresh random UUID."""
    values = values or {}
    out = path
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        name = out[start + 1 : end]
        out = out[:start] + values.get(name, str(uuid4())) + out[end + 1 :]
    return out
