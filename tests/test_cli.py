"""The command line: seed is idempotent and prints tokens; token mints what the API accepts."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from app.runtime import Runtime
from app.security import decode_token
from app.workflow.records import Agency, AuditEntry, Resident
from app.workflow.states import Role


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONSENTGATE_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path


def test_seed_is_idempotent_and_writes_demo_env(env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["seed", "--env-file", str(env / "demo.env")])
    assert first.exit_code == 0, first.output
    assert "AGENCY_TOKEN=" in first.output
    runtime = Runtime.build(Settings())
    counted = runtime.read(
        lambda c: (
            c.store.count(Agency),
            c.store.count(Resident),
            len(c.store.audit_entries(0, 10**6)),
        )
    )
    assert counted[0] == 3 and counted[1] >= 200
    second = runner.invoke(cli, ["seed", "--env-file", str(env / "demo.env")])
    assert second.exit_code == 0 and "leaving it as it is" in second.output
    again = runtime.read(
        lambda c: (
            c.store.count(Agency),
            c.store.count(Resident),
            len(c.store.audit_entries(0, 10**6)),
        )
    )
    assert again == counted
    values = dict(
        line.removeprefix("export ").split("=", 1)
        for line in (env / "demo.env").read_text().splitlines()
    )
    actor = decode_token(runtime.tokens, values["RESIDENT_TOKEN"], now=runtime.clock.now())
    assert actor.role is Role.RESIDENT
    assert runtime.read(lambda c: c.store.get(Resident, actor.subject)) is not None
    assert isinstance(runtime.read(lambda c: c.store.audit_tail()), AuditEntry)


def test_token_command_checks_its_arguments(env: Path) -> None:
    Runtime.build(Settings()).db.dispose()  # the database the tokens are for
    runner = CliRunner()
    bad_role = runner.invoke(cli, ["token", "sheriff"])
    assert bad_role.exit_code == 2 and "role" in bad_role.output
    no_subject = runner.invoke(cli, ["token", "agency"])
    assert no_subject.exit_code == 2 and "subject" in no_subject.output
    # The option by its name, in English.
    said = " ".join(no_subject.output.split())
    assert "--subject: an agency token needs the id of an existing agency" in said
    not_a_uuid = runner.invoke(cli, ["token", "resident", "--subject", "dana"])
    assert not_a_uuid.exit_code == 2 and "--subject: 'dana' is not a UUID" in not_a_uuid.output
    tagged = runner.invoke(cli, ["token", "resident", "--subject", "[/x]"])  # not a rich tag
    assert tagged.exit_code == 2 and "--subject: '[/x]' is not a UUID" in tagged.output
    ok = runner.invoke(cli, ["token", "auditor"])
    assert ok.exit_code == 0
    runtime = Runtime.build(Settings())
    assert decode_token(runtime.tokens, ok.output.strip(), now=runtime.clock.now()).role is (
        Role.AUDITOR
    )


def _said(output: str) -> str:
    return " ".join(output.split())


@pytest.mark.parametrize("command", [["token", "auditor"], ["token", "operator"], ["tick"]])
def test_a_mistyped_db_is_refused_not_created(env: Path, command: list[str]) -> None:
    """Opening a path that is not there would create an empty database: `token` minted a
    token for a city that does not exist and `tick` reported "released 0, expired 0" from cron,
    both exit 0 (found by the operator QA pass). As the audit commands do, they refuse it."""
    Runtime.build(Settings()).db.dispose()  # the real one exists; the typo does not
    typo = env / "cli-typo.db"
    result = CliRunner().invoke(cli, [*command, "--db", str(typo)])
    assert result.exit_code == 2, result.output
    assert _said(result.output).startswith(f"error: --db: {typo}: no database there")
    assert not typo.exists()


def test_without_a_database_the_default_path_is_named(env: Path) -> None:
    result = CliRunner().invoke(cli, ["token", "auditor"])
    assert result.exit_code == 2
    assert f"error: CONSENTGATE_DB_PATH: {env / 'cli.db'}: no database there" in _said(
        result.output
    )
    assert not (env / "cli.db").exists()


@pytest.mark.parametrize("command", [["token", "auditor"], ["tick"], ["seed"], ["audit", "replay"]])
def test_db_and_a_database_url_together_are_refused(
    env: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """DATABASE_URL wins over --db: the command would read or write another database than the
    one its command line names, without a word (found by the PostgreSQL QA pass)."""
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:hunter2@127.0.0.1:9/none")
    named = env / "mine.db"
    result = CliRunner().invoke(cli, [*command, "--db", str(named)])
    assert result.exit_code == 2, result.output
    said = _said(result.output)
    assert said.startswith(f"error: --db: {named} names a SQLite file, but DATABASE_URL is set")
    assert "hunter2" not in said and not named.exists()


def test_a_database_that_cannot_be_opened_is_named_not_a_traceback(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////proc/no/such:hunter2.db")
    for command in (["token", "auditor"], ["tick"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2, result.output
        said = _said(result.output)
        assert said.startswith("error: DATABASE_URL: no database at the SQLite file it names")
        assert "hunter2" not in said  # the URL's value may hold a password: never printed


def _env_values(path: Path) -> dict[str, str]:
    return dict(
        line.removeprefix("export ").split("=", 1) for line in path.read_text().splitlines()
    )


def test_seed_writes_the_address_it_is_given_where_the_web_reads(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run PORT=8771` wrote CG=http://127.0.0.1:8000, so the README's walkthrough
    called nothing (or another helper's server); and the tokens went to var/demo.env whatever
    CONSENTGATE_DEMO_ENV_FILE said, where the web start page looks (operator QA pass)."""
    monkeypatch.setenv("CONSENTGATE_DEMO_ENV_FILE", str(env / "web" / "demo.env"))
    result = CliRunner().invoke(cli, ["seed", "--url", "http://127.0.0.1:8771/"])
    assert result.exit_code == 0, result.output
    assert _env_values(env / "web" / "demo.env")["CG"] == "http://127.0.0.1:8771"
    assert str(env / "web" / "demo.env") in _said(result.output)


def test_make_run_seeds_with_the_port_it_serves_on() -> None:
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    recipe = makefile.split("\nrun: install\n", 1)[1].split("\n\n", 1)[0]
    assert "consentgate seed --url http://$(HOST):$(PORT)" in recipe
    assert "consentgate serve --host $(HOST) --port $(PORT)" in recipe


def test_token_lifetime_follows_the_setting(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CONSENTGATE_TOKEN_MINUTES is "the lifetime of minted tokens" (README); the command
    minted 480 minutes whatever it said."""
    Runtime.build(Settings()).db.dispose()
    monkeypatch.setenv("CONSENTGATE_TOKEN_MINUTES", "30")
    runtime = Runtime.build(Settings())
    for args, minutes in (([], 30), (["--minutes", "5"], 5)):
        result = CliRunner().invoke(cli, ["token", "auditor", *args])
        assert result.exit_code == 0, result.output
        payload = result.output.strip().split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims["exp"] - claims["iat"] == minutes * 60
    runtime.db.dispose()


@pytest.mark.parametrize(
    ("args", "env_file", "says"),
    [
        (["--env-file", "{tmp}/folder"], None, "--env-file: {tmp}/folder is a folder; name a file"),
        ([], "{tmp}/folder", "CONSENTGATE_DEMO_ENV_FILE: {tmp}/folder is a folder; name a file"),
        (
            ["--env-file", "{tmp}/afile/demo.env"],
            None,
            "--env-file: {tmp}/afile/demo.env cannot be written: {tmp}/afile is a file, not a",
        ),
        (["--url", "not a url"], None, "--url: 'not a url' holds a space or a control character"),
        (["--url", "ftp://example.org"], None, "--url: 'ftp://example.org' is not an http://"),
        (["--url", "http://"], None, "--url: 'http://' is not an http:// or https:// address"),
    ],
)
def test_seed_refuses_where_and_what_it_would_write_before_seeding(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env_file: str | None,
    says: str,
) -> None:
    """A folder as the env file was an IsADirectoryError once the city was already built, and
    `--url 'not a url'` wrote `export CG=not a url`, which breaks `source` (exploratory review)."""
    (env / "folder").mkdir()
    (env / "afile").write_text("mine")
    if env_file is not None:
        monkeypatch.setenv("CONSENTGATE_DEMO_ENV_FILE", env_file.format(tmp=env))
    given = [a.format(tmp=env) for a in args]
    default_env = [] if env_file or "--env-file" in args else ["--env-file", str(env / "d.env")]
    result = CliRunner().invoke(cli, ["seed", *given, *default_env])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert _said(result.output).startswith(f"error: {says.format(tmp=env)}")
    assert not (env / "cli.db").exists()  # refused before the database was made or seeded
    assert not (env / "d.env").exists()


def test_the_env_file_reads_back_in_the_shell_as_written(env: Path) -> None:
    """Values are shell-quoted: what `source demo.env` sets is what the seed meant, and the web
    start page reads the same values back."""
    from rich.console import Console

    from app.web.session import read_env_file
    from scripts.seed import seed_demo

    url = "http://127.0.0.1:8000/a b;echo $HOME'"  # seed_demo itself takes any text
    target = env / "demo.env"
    seed_demo(Settings(), env_file=target, console=Console(quiet=True), url=url)
    bash = shutil.which("bash")
    assert bash is not None
    shell = subprocess.run(  # noqa: S603  (bash sourcing the file under test, constant script)
        [bash, "-c", 'source "$1" && printf %s "$CG"', "-", str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout == url
    values = read_env_file(target)
    assert values["CG"] == url
    runtime = Runtime.build(Settings())
    actor = decode_token(runtime.tokens, values["AUDITOR_TOKEN"], now=runtime.clock.now())
    assert actor.role is Role.AUDITOR
    runtime.db.dispose()


# The command line prints what it is given as it is: its consoles read no rich markup.
#
# Found in review: `consentgate token '[/x]'` was a MarkupError traceback (the role was quoted
# into a markup string unescaped), and `seed --env-file 'out/[bold]/demo.env'` told the user to
# `source out//demo.env` (rich took "[bold]" for a style). app/cli_console.py: no markup, the one
# coloured word a styled piece of text.
@pytest.mark.parametrize("role", ["[/x]", "[bold]agency"])
def test_a_role_in_brackets_is_refused_as_typed(env: Path, role: str) -> None:
    result = CliRunner().invoke(cli, ["token", role])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert " ".join(result.output.split()) == (
        f"error: role: {role!r} is not one of operator, agency, resident, auditor"
    )


def test_seed_names_an_env_file_in_brackets_as_it_is(env: Path) -> None:
    folder = env / "[bold]"
    folder.mkdir()
    result = CliRunner().invoke(cli, ["seed", "--env-file", str(folder / "demo.env")])
    assert result.exit_code == 0, result.output
    assert (folder / "demo.env").is_file()
    assert f"`source {folder / 'demo.env'}`" in result.output
