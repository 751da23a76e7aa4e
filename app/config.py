"""Settings from the environment, validated at start-up.

Outside development the service refuses to start without a signing secret of its own.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSENTGATE_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    # DATABASE_URL (no prefix) selects PostgreSQL, e.g. postgresql+psycopg://postgres@127.0.0.1/test
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    db_path: Path = Path("var/consentgate.db")
    policy: str = "privacy-by-design"
    secret: str | None = None
    # Development only: the generated secret lives here, outside the repository's tracked files.
    secret_file: Path = Path("var/secret.key")
    issuer: str = "consentgate"
    audience: str = "consentgate-api"
    token_minutes: int = Field(default=8 * 60, ge=1, le=60 * 24 * 30)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # How often the served app runs `tick` (due releases, expiries); 0 turns the timer off, for
    # an operator who prefers cron and `POST /operator/tick` (app/ticker.py).
    tick_seconds: float = Field(default=30.0, ge=0)
    # The web walkthrough offers the demo tokens the seed writes here (never in production).
    demo_env_file: Path = Path("var/demo.env")

    @model_validator(mode="after")
    def _enforce_secret(self) -> Settings:
        if self.secret is not None and len(self.secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"CONSENTGATE_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        if self.env == "production" and self.secret is None:
            raise ValueError(
                "CONSENTGATE_SECRET is required in production: refusing to start with a "
                "generated or default signing secret"
            )
        return self

    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.db_path}"

    def signing_secret(self) -> str:
        """The configured secret, or (development, test) one generated once and kept on disk."""
        if self.secret is not None:
            return self.secret
        path = self.secret_file
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value + "\n")
        path.chmod(0o600)
        return value
