"""Settings from the environment, validated at start-up.

Outside development the service refuses to start without a signing secret of its own. A value
the service cannot run with is refused by the name the operator set (CONSENTGATE_TICK_SECONDS,
not pydantic's `tick_seconds`): see `load`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from app import validation_text
from app.files import DanglingLinkError, UnsafePrivateFile, create_once
from app.security import MAX_TOKEN_MINUTES
from app.store.bounds import DEFAULT_TIMEOUT_S

MIN_SECRET_BYTES = 32

S = TypeVar("S", bound=BaseSettings)


class ConfigError(ValueError):
    """Settings the service cannot start with: one line per problem, each naming the variable
    (or the command-line option) and the reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def env_name(model: type[BaseSettings], field: str) -> str:
    """The environment variable that sets `field` of `model` (a field's name, or one of its
    aliases: pydantic reports an aliased field's error under its first alias)."""
    for name, info in model.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, str):
            choices = [alias]
        elif isinstance(alias, AliasChoices):
            choices = [c for c in alias.choices if isinstance(c, str)]
        else:
            choices = []
        if choices and field in (name, *choices):
            # DATABASE_URL or CONSENTGATE_DATABASE_URL: the one the operator set.
            return next((n for n in choices if n in os.environ), choices[0])
    return f"{model.model_config.get('env_prefix') or ''}{field}".upper()


def load(model: type[S], options: Mapping[str, str] | None = None, **overrides: Any) -> S:
    """`model` from the environment and `overrides`, or a ConfigError naming what is wrong.

    `options` names the command-line option an override came from (db_path: --db), so that a
    refused value is named as the operator gave it."""
    try:
        return model(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = error["loc"]
            field = str(loc[0]) if loc else ""
            if not field:
                where = ""  # a check across fields: its message names the variables
            elif field in overrides and options and field in options:
                where = options[field]
            else:
                where = env_name(model, field)
            why = validation_text.reason(error)
            problems.append(f"{where}: {why}" if where else why)
        raise ConfigError(problems) from None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSENTGATE_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    # DATABASE_URL selects PostgreSQL, e.g. postgresql+psycopg://postgres@127.0.0.1/test. The
    # prefixed name is accepted too: every other setting has the prefix, and an operator who
    # guessed CONSENTGATE_DATABASE_URL used to be served from a SQLite file without a word.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CONSENTGATE_DATABASE_URL")
    )
    db_path: Path = Path("var/consentgate.db")
    policy: str = "privacy-by-design"
    secret: str | None = None
    # Development only: where the generated secret is kept; default `secret.key` in the
    # state folder (see `state_folder`), outside the repository's tracked files.
    secret_file: Path | None = None
    issuer: str = "consentgate"
    audience: str = "consentgate-api"
    token_minutes: int = Field(default=8 * 60, ge=1, le=MAX_TOKEN_MINUTES)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # How often the served app runs `tick` (due releases, expiries); 0 turns the timer off, for
    # an operator who prefers cron and `POST /operator/tick` (app/ticker.py).
    tick_seconds: float = Field(default=30.0, ge=0)
    # The longest the service waits on the database for any one thing: an answer (a ping, a
    # statement, the COMMIT), a free pooled connection, a new connection; a writer waits for
    # the write lock half as long. Past it the call answers 503 (app/store/bounds.py). An hour
    # at most: a larger value is more likely milliseconds typed as seconds.
    db_timeout_seconds: float = Field(default=DEFAULT_TIMEOUT_S, gt=0, le=3600)
    # The web walkthrough offers the demo tokens the seed writes here (never in production);
    # default `demo.env` in the state folder.
    demo_env_file: Path | None = None

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"must be at least {MIN_SECRET_BYTES} bytes")
        return value

    @field_validator("db_path")
    @classmethod
    def _plain_file_name(cls, value: Path) -> Path:
        """The file goes into a URL (`sqlite:///PATH`), where `?` starts options and `file:`
        makes a URI filename: `q?x=1/city.db` opened `./q`, and the keys went elsewhere."""
        if "?" in str(value) or str(value).startswith("file:"):
            raise ValueError(
                "a SQLite file name may not hold '?' or begin with 'file:' (the database URL "
                "would read them as options); rename the file, or give DATABASE_URL"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        """psycopg 3 is the one PostgreSQL driver installed: `postgres://` and `postgresql://`
        (what hosting providers hand out) mean it; any other scheme is refused here, in words,
        rather than as a missing-driver traceback at start-up. The value is never echoed: it
        may hold a password."""
        if not value:
            return None
        try:
            url = make_url(value)
        except Exception:
            raise ValueError(
                "not a database URL; expected postgresql+psycopg://USER@HOST:PORT/DATABASE"
            ) from None
        if url.drivername in ("postgresql+psycopg", "sqlite"):
            return value
        if url.drivername in ("postgres", "postgresql"):
            # Only the scheme changes: re-rendering the URL could re-encode its query.
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        raise ValueError(
            f"the scheme {url.drivername!r} is not supported; expected "
            "postgresql+psycopg://USER@HOST:PORT/DATABASE (or sqlite:///PATH)"
        )

    @model_validator(mode="after")
    def _enforce_secret(self) -> Settings:
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

    def display_url(self) -> str:
        """The database URL to print or log: without its password."""
        return make_url(self.url()).render_as_string(hide_password=True)

    def state_folder(self) -> Path:
        """Where the files generated for one database are kept (the token secret, the log key,
        the demo tokens): beside a SQLite file, so that `consentgate token --db ../x.db` or
        `audit checkpoint --db ../x.db` run from another folder use the keys `serve --db` made
        for that file (they used to look in the current folder's var/, and quietly made new
        ones there); `var/` for PostgreSQL, which has no file to sit beside."""
        path = sqlite_file(self.url())
        return path.parent if path is not None else Path("var")

    def secret_path(self) -> Path:
        return self.secret_file or self.state_folder() / "secret.key"

    def demo_env_path(self) -> Path:
        return self.demo_env_file or self.state_folder() / "demo.env"

    def signing_secret(self) -> str:
        """The configured secret, or (development, test) one generated once and kept on disk."""
        if self.secret is not None:
            return self.secret
        path = self.secret_path()
        variable = env_name(Settings, "secret_file")
        try:
            secret = create_once(path, lambda: secrets.token_urlsafe(48) + "\n").strip()
        except DanglingLinkError:
            raise ConfigError([dangling_link(variable, path)]) from None
        except UnsafePrivateFile as exc:
            raise ConfigError([f"{variable}: {exc}"]) from None
        if len(secret.encode()) < MIN_SECRET_BYTES:  # as CONSENTGATE_SECRET is held to
            raise ConfigError(
                [
                    f"{variable}: {path} holds a secret shorter than {MIN_SECRET_BYTES} bytes; "
                    "remove the file to have a new one generated"
                ]
            )
        return secret


def dangling_link(variable: str, path: Path) -> str:
    return (
        f"{variable}: {path} is a symbolic link to a file that does not exist; refusing to "
        "write a new secret through it (remove the link, or point the variable elsewhere)"
    )


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (`sqlite:///var/x.db`, `sqlite:///file:x.db?uri=true`), or
    None: another backend, or an in-memory database. Only the path is ever said: a URL of
    another backend may hold a password."""
    parsed = make_url(url)
    name = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or name in ("", ":memory:"):
        return None
    if name.startswith("file:"):  # SQLite's URI filenames (uri=true)
        if parsed.query.get("mode") == "memory" or "mode=memory" in name:
            return None
        name = name.removeprefix("file:").split("?", 1)[0]
    return Path(name)
