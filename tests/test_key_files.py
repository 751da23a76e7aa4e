"""The generated token secret and log key belong to a database, not to the current folder.

They used to be found in the current folder's var/, wherever the database was: run from another
folder, `consentgate token --db ../city/x.db` minted tokens under a new secret that the server
serving that file rejected, and `audit key/checkpoint --db ../city/x.db` quietly made a second
log key and signed with it. A key file someone else could write or read is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.config import ConfigError, Settings
from app.main import create_app

VARIABLES = (
    "DATABASE_URL",
    "CONSENTGATE_DATABASE_URL",
    "CONSENTGATE_DB_PATH",
    "CONSENTGATE_SECRET",
    "CONSENTGATE_SECRET_FILE",
    "CONSENTGATE_LOG_KEY",
    "CONSENTGATE_LOG_KEY_FILE",
    "CONSENTGATE_DEMO_ENV_FILE",
    "CONSENTGATE_ENV",
)


@pytest.fixture
def city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A seeded database in tmp/city, made from inside that folder as `make run` does; the
    test then works from tmp/elsewhere."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "city"
    folder.mkdir()
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(cli, ["seed", "--db", "x.db"])
    assert result.exit_code == 0, result.output
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    return folder


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_token_minted_from_another_folder_is_accepted_by_the_server(city: Path) -> None:
    code, token, _ = _run("token", "operator", "--db", str(city / "x.db"))
    assert code == 0, token
    assert (city / "secret.key").is_file()
    assert not Path("var").exists()  # nothing made in the current folder

    app = create_app(Settings(db_path=city / "x.db", tick_seconds=0))
    try:
        with TestClient(app) as client:
            answer = client.get(
                "/operator/agencies", headers={"Authorization": f"Bearer {token.strip()}"}
            )
    finally:
        app.state.runtime.db.dispose()
    assert answer.status_code == 200, answer.text


def test_the_log_key_is_the_databases_whatever_the_current_folder(
    city: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, from_elsewhere, said = _run("audit", "key", "--db", str(city / "x.db"))
    assert code == 0, said
    assert "made a new one" in said  # the first use makes it, and says where
    assert (city / "log.key").is_file() and not Path("var").exists()

    monkeypatch.chdir(city)
    code, from_inside, said = _run("audit", "key", "--db", "x.db")
    assert code == 0 and from_inside == from_elsewhere
    assert said == ""  # found, not made: nothing to say


def test_no_key_is_made_beside_a_database_that_is_not_there(city: Path) -> None:
    typo = city.parent / "cty" / "x.db"
    for command in (["audit", "key"], ["audit", "checkpoint"]):
        code, _, said = _run(*command, "--db", str(typo))
        assert code == 2 and f"--db: {typo}: no database there" in said
    assert not typo.parent.exists()


def test_postgresql_keeps_its_keys_in_var() -> None:
    settings = Settings(database_url="postgresql+psycopg://postgres@127.0.0.1/test")
    assert settings.secret_path() == Path("var/secret.key")
    assert Settings(db_path=Path("a/b.db")).demo_env_path() == Path("a/demo.env")


def test_a_secret_others_can_read_is_refused(city: Path) -> None:
    (city / "secret.key").chmod(0o644)
    code, _, said = _run("token", "operator", "--db", str(city / "x.db"))
    assert code == 2
    assert f"CONSENTGATE_SECRET_FILE: {city / 'secret.key'} can be read or written" in said
    assert "chmod 600" in said
    with pytest.raises(ConfigError, match="mode 0644"):
        Settings(db_path=city / "x.db").signing_secret()


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user needs root")
def test_a_log_key_another_user_owns_is_refused(city: Path) -> None:
    assert _run("audit", "key", "--db", str(city / "x.db"))[0] == 0
    os.chown(city / "log.key", 4242, 4242)
    code, _, said = _run("audit", "checkpoint", "--db", str(city / "x.db"))
    assert code == 2
    assert "log.key belongs to another user (uid 4242)" in said


def test_a_link_planted_at_the_secret_is_refused_not_followed(city: Path) -> None:
    """Root reads every 0600 file on the machine, some of them empty: a link at secret.key to
    one made the service sign tokens with an empty secret, which anyone can forge."""
    target = city.parent / "someone-elses-empty-file"
    target.touch(mode=0o600)
    (city / "secret.key").unlink()
    (city / "secret.key").symlink_to(target)
    code, _, said = _run("token", "operator", "--db", str(city / "x.db"))
    assert code == 2
    assert f"{city / 'secret.key'} is a symbolic link; name the file itself" in said


def test_a_fifo_at_the_secret_is_refused_without_waiting(city: Path) -> None:
    (city / "secret.key").unlink()
    os.mkfifo(city / "secret.key", 0o600)  # opening it for reading used to wait for a writer
    code, _, said = _run("token", "operator", "--db", str(city / "x.db"))
    assert code == 2 and "secret.key is not a regular file" in said


def test_a_short_secret_is_refused_as_the_variable_would_be(city: Path) -> None:
    (city / "secret.key").write_text("hunter2\n")
    code, _, said = _run("token", "operator", "--db", str(city / "x.db"))
    assert code == 2 and "holds a secret shorter than 32 bytes" in said


def test_a_uri_file_name_keeps_its_keys_beside_the_file() -> None:
    url = "sqlite:///file:/srv/city/x.db?mode=ro&uri=true"
    assert Settings(database_url=url).secret_path() == Path("/srv/city/secret.key")


@pytest.mark.parametrize("name", ["q?x=1/city.db", "file:city.db"])
def test_a_file_name_the_url_would_misread_is_refused(city: Path, name: str) -> None:
    """`--db 'q?x=1/city.db'` passed the existence check on that path, then SQLAlchemy opened
    `./q` (made 0644, migrated) and the secret went to the current folder."""
    code, _, said = _run("token", "operator", "--db", name)
    assert code == 2 and "--db: a SQLite file name may not hold '?'" in said
    assert sorted(p.name for p in Path().iterdir()) == []


@pytest.mark.parametrize("command", [["token", "operator"], ["tick"]])
def test_a_sqlite_database_url_naming_no_file_mints_nothing(
    city: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """`token` and `tick` checked only --db: DATABASE_URL=sqlite:///missing.db was created
    empty, migrated, and (for token) a secret made beside it."""
    missing = city.parent / "elsewhere" / "missing.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    code, _, said = _run(*command)
    assert code == 2, said
    assert "DATABASE_URL: no database at the SQLite file it names" in said
    assert str(missing) not in said  # DATABASE_URL's value is never printed
    assert sorted(p.name for p in missing.parent.iterdir()) == []
