"""The log's signing key: configured in production, generated once beside the database in
development.

The key is kept in Go's note signer form (PRIVATE+KEY+<name>+<id>+<base64>); auditors pin the
verifier key (`GET /audit/log-key`, `consentgate audit key`) and trust nothing else.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.config import Settings, dangling_link
from app.files import DanglingLinkError, UnsafePrivateFile, create_once
from app.workflow.signed_note import NoteError, Signer

DEFAULT_ORIGIN = "consentgate.example/audit-log"


class LogKeyError(ValueError):
    """The log key is missing or unreadable; the message names the setting."""


class LogKeySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSENTGATE_", extra="ignore")

    # The checkpoint's origin line and the key's name: the log's identity, pinned by auditors.
    log_origin: str = DEFAULT_ORIGIN
    # The signer key itself (PRIVATE+KEY+...); required in production.
    log_key: str | None = None
    # Development and test: where a generated key is kept (default: `log.key` beside the token
    # secret, so beside a SQLite database: Settings.state_folder).
    log_key_file: Path | None = None


def key_file(settings: Settings, log: LogKeySettings) -> Path:
    return log.log_key_file or settings.secret_path().with_name("log.key")


def load_signer(settings: Settings, log: LogKeySettings | None = None) -> Signer:
    """The configured key; outside production, one generated once and kept on disk."""
    log = log or LogKeySettings()
    if log.log_key is not None:
        return _parse(log.log_key, "CONSENTGATE_LOG_KEY", log.log_origin)
    if settings.env == "production":
        raise LogKeyError(
            "CONSENTGATE_LOG_KEY is required in production: auditors pin the log key, so it "
            "must not be generated on the fly (create one with `consentgate audit keygen`)"
        )
    path = key_file(settings, log)
    try:
        text = create_once(path, lambda: _new_key(log.log_origin))
    except DanglingLinkError:
        raise LogKeyError(dangling_link("CONSENTGATE_LOG_KEY_FILE", path)) from None
    except UnsafePrivateFile as exc:
        raise LogKeyError(f"CONSENTGATE_LOG_KEY_FILE: {exc}") from None
    return _parse(text, str(path), log.log_origin)


def _new_key(origin: str) -> str:
    return Signer(origin, Ed25519PrivateKey.generate()).encode() + "\n"


def _parse(text: str, where: str, origin: str) -> Signer:
    try:
        signer = Signer.parse(text)
    except NoteError as exc:
        raise LogKeyError(f"{where}: {exc}") from None
    if signer.name != origin:
        raise LogKeyError(
            f"{where}: the key is named {signer.name!r} but the log's origin is {origin!r} "
            "(set CONSENTGATE_LOG_ORIGIN to match)"
        )
    return signer
