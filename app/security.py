"""Bearer tokens and roles. The only module that imports the JWT library.

python-jose 3.5.0 is unmaintained and has open reports of algorithm confusion when a decode
accepts more than one algorithm; so every decode here passes exactly one (HS256), and the token
is checked to be a compact JWS with that `alg` and our `typ` before the library sees it
(RFC 8725, sections 2.1, 3.1 and 3.11).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jose import jwt
from jose.exceptions import JOSEError

from app.workflow.context import Actor
from app.workflow.states import Role

ALGORITHM = "HS256"
TOKEN_TYPE = "at+jwt"  # noqa: S105 - RFC 9068 access-token type: a token of another kind is refused
MAX_TOKEN_BYTES = 8 * 1024
# The longest lifetime anyone may mint (CLI, API, CONSENTGATE_TOKEN_MINUTES); a token claiming a
# longer one was not minted by this service's rules, and is refused (RFC 8725, section 3.10).
MAX_TOKEN_MINUTES = 60 * 24 * 30
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_REQUIRED = ("exp", "iat", "nbf", "iss", "aud", "sub", "role", "jti")


class InvalidToken(Exception):
    """The token is not one this service issued, or no longer valid; the reason stays internal."""


@dataclass(frozen=True, slots=True)
class TokenConfig:
    secret: str
    issuer: str
    audience: str


def mint_token(config: TokenConfig, actor: Actor, *, now: datetime, lifetime: timedelta) -> str:
    claims: dict[str, Any] = {
        "iss": config.issuer,
        "aud": config.audience,
        "sub": str(actor.subject),
        "role": actor.role.value,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    if actor.name:
        claims["name"] = actor.name
    return str(jwt.encode(claims, config.secret, algorithm=ALGORITHM, headers={"typ": TOKEN_TYPE}))


def _header(token: str) -> dict[str, Any]:
    part = token.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: "[[[[..." nested past Python's limit fits in 8 KB, and escaped as a 500
        raise InvalidToken("unreadable header") from exc
    if not isinstance(header, dict):
        raise InvalidToken("header is not an object")
    return header


def decode_token(config: TokenConfig, token: str, *, now: datetime) -> Actor:
    """The actor a token names, or InvalidToken; exactly one algorithm is ever accepted."""
    if len(token.encode()) > MAX_TOKEN_BYTES:
        raise InvalidToken("token too large")
    if not _COMPACT_JWS.match(token):
        raise InvalidToken("not a compact JWS")  # a JWE has five parts; "none" has an empty one
    header = _header(token)
    if header.get("alg") != ALGORITHM or header.get("typ") != TOKEN_TYPE:
        raise InvalidToken("wrong alg or typ")
    if set(header) - {"alg", "typ"}:
        raise InvalidToken("unexpected header parameters")  # no kid, jku, jwk, x5u games
    try:
        claims = jwt.decode(
            token,
            config.secret,
            algorithms=[ALGORITHM],
            audience=config.audience,
            issuer=config.issuer,
            options={
                # jose turns require_exp/nbf/iat into a check against the wall clock, so
                # their presence is checked below instead, against the injected clock.
                "require_iss": True,
                "require_aud": True,
                "require_sub": True,
                "require_jti": True,
                # jose checks times against the wall clock; we check against the injected one.
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except JOSEError as exc:
        raise InvalidToken("signature or claims invalid") from exc
    if any(k not in claims for k in _REQUIRED):
        raise InvalidToken("missing claim")
    stamp = now.timestamp()
    exp, nbf, iat = claims["exp"], claims["nbf"], claims["iat"]
    if not all(isinstance(t, int) and not isinstance(t, bool) for t in (exp, nbf, iat)):
        raise InvalidToken("bad time claims")
    if stamp >= exp:
        raise InvalidToken("expired")
    if stamp < nbf or stamp < iat:
        raise InvalidToken("not yet valid")  # issued in the future: not a token we minted
    if exp - iat > MAX_TOKEN_MINUTES * 60:
        raise InvalidToken("lifetime beyond the cap")  # a near-eternal token, however signed
    try:
        role = Role(claims["role"])
        subject = uuid.UUID(claims["sub"])
    except (ValueError, TypeError) as exc:
        raise InvalidToken("bad subject or role") from exc
    name = claims.get("name", "")
    if isinstance(name, str) and "\x00" in name:
        # Not a name this service mints any more (POST /operator/tokens refuses it), and one
        # minted before would fail on PostgreSQL, which stores it with each request filed.
        raise InvalidToken("NUL in the name")
    return Actor(role=role, subject=subject, name=name if isinstance(name, str) else "")
