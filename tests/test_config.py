"""Configuration: a value the service cannot run with is refused at start-up by the name the
operator set, with exit status 2 and no traceback (found by the operator QA pass: `serve`
said `token_minutes: ...`, and a bad CONSENTGATE_RATE_*, DATABASE_URL or database path ended in
a pydantic or SQLAlchemy traceback with exit status 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.audit.keys import LogKeySettings
from app.cli import cli
from app.config import ConfigError, Settings, env_name, load
from app.main import create_app
from app.ratelimit import EdgeLimitSettings

WIDE = {"COLUMNS": "200"}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONSENTGATE_DB_PATH", str(tmp_path / "serve.db"))
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("CONSENTGATE_LOG_KEY_FILE", str(tmp_path / "log.key"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    served: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: served.setdefault("app", app))
    return tmp_path


def serve(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["serve", *args], env=WIDE)
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("CONSENTGATE_ENV", "prod", "CONSENTGATE_ENV: Input should be 'development'"),
        ("CONSENTGATE_TOKEN_MINUTES", "abc", "CONSENTGATE_TOKEN_MINUTES: Input should be a valid"),
        ("CONSENTGATE_TOKEN_MINUTES", "0", "CONSENTGATE_TOKEN_MINUTES: Input should be greater"),
        ("CONSENTGATE_MAX_BODY_BYTES", "10", "CONSENTGATE_MAX_BODY_BYTES: Input should be greater"),
        ("CONSENTGATE_TICK_SECONDS", "-1", "CONSENTGATE_TICK_SECONDS: Input should be greater"),
        (
            "CONSENTGATE_DB_TIMEOUT_SECONDS",
            "0",
            "CONSENTGATE_DB_TIMEOUT_SECONDS: Input should be gr",
        ),
        (
            "CONSENTGATE_DB_TIMEOUT_SECONDS",
            "5000",
            "CONSENTGATE_DB_TIMEOUT_SECONDS: Input should be l",
        ),
        ("CONSENTGATE_SECRET", "short", "CONSENTGATE_SECRET: must be at least 32 bytes"),
        ("CONSENTGATE_RATE_FILINGS_PER_HOUR", "0", "CONSENTGATE_RATE_FILINGS_PER_HOUR: Input"),
        ("CONSENTGATE_RATE_TOKENS_PER_HOUR", "x", "CONSENTGATE_RATE_TOKENS_PER_HOUR: Input"),
        ("DATABASE_URL", "nosuchdriver://u:hunter2@db/x", "DATABASE_URL: the scheme 'nosuch"),
        (
            "CONSENTGATE_DATABASE_URL",
            "mysql://u:hunter2@db/x",
            "CONSENTGATE_DATABASE_URL: the scheme 'mysql'",
        ),
        ("DATABASE_URL", "sqlite:////proc/no/such.db", "DATABASE_URL: cannot be opened ("),
        ("CONSENTGATE_DB_PATH", "/proc/no/such.db", "CONSENTGATE_DB_PATH: /proc/no/such.db: "),
    ],
)
def test_a_bad_setting_is_refused_by_its_variable(
    env: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)
    code, output = serve()
    assert code == 2, output
    assert output.startswith(f"error: {said}"), output
    assert "Traceback" not in output and "hunter2" not in output


def test_production_without_a_secret_is_refused_in_words(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSENTGATE_ENV", "production")
    code, output = serve()
    assert code == 2
    assert output.startswith("error: CONSENTGATE_SECRET is required in production")


def test_an_option_is_named_as_given(env: Path) -> None:
    code, output = serve("--db", "/proc/no/such.db")
    assert code == 2 and output.startswith("error: --db: /proc/no/such.db: cannot be opened")


def test_the_app_factory_names_the_variable_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # `uvicorn app.main:create_app --factory` (the README's several workers) reads the same way.
    monkeypatch.setenv("CONSENTGATE_TOKEN_MINUTES", "forever")
    with pytest.raises(ConfigError, match=r"^CONSENTGATE_TOKEN_MINUTES: "):
        create_app()
    monkeypatch.delenv("CONSENTGATE_TOKEN_MINUTES")
    monkeypatch.setenv("CONSENTGATE_RATE_TOKENS_PER_HOUR", "-5")
    with pytest.raises(ConfigError, match=r"^CONSENTGATE_RATE_TOKENS_PER_HOUR: "):
        load(EdgeLimitSettings)


def test_every_setting_has_the_variable_the_readme_names() -> None:
    """The README's configuration table lists exactly the variables the service reads."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n\n", 2)[1]
    named = {
        word.strip("`")
        for line in table.splitlines()[2:]
        for word in line.split("|")[1].replace(",", " ").split()
    }
    known = {env_name(Settings, f) for f in Settings.model_fields}
    known.add("CONSENTGATE_DATABASE_URL")  # DATABASE_URL's other accepted name
    known |= {env_name(EdgeLimitSettings, f) for f in EdgeLimitSettings.model_fields}
    known |= {env_name(LogKeySettings, f) for f in LogKeySettings.model_fields}
    assert named == known, (named - known, known - named)  # documented == read
