"""The command line: serve, seed, token, verify."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
from uuid import UUID, uuid4

import typer

from app.cli_console import error_text, plain_console
from app.config import ConfigError, Settings, env_name, load, sqlite_file
from app.policies.cli import policy_cli, tick_command
from app.policies.registry import PolicyNotFound
from app.security import MAX_TOKEN_MINUTES

if TYPE_CHECKING:
    from app.runtime import Runtime

cli = typer.Typer(
    help="consentgate: the consent-gated footage-request workflow.", no_args_is_help=True
)
# No markup (app/cli_console.py): a path or a name holding "[/x]" is printed as it is.
err = plain_console(stderr=True, soft_wrap=True)  # a path or a reason stays on one line
out = plain_console()

# The policy library's commands: consentgate policy list | diff | show | check, and tick.
cli.add_typer(policy_cli, name="policy")
cli.command("tick")(tick_command)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="SQLite file (default var/consentgate.db)")
]
PolicyOption = Annotated[
    str | None,
    typer.Option("--policy", help="a preset name, a policy .toml file, or module:ATTRIBUTE"),
]


# `make run` passes its HOST and PORT, so that $CG in var/demo.env is where it serves.
DEFAULT_URL = "http://127.0.0.1:8000"

# The command-line option behind each setting a command may override, to name it when refused.
OPTIONS = {"db_path": "--db", "policy": "--policy", "tick_seconds": "--tick-seconds"}


def _refuse(problems: list[str]) -> NoReturn:
    for problem in problems:
        err.print(error_text(problem))
    raise typer.Exit(2)


def _settings(
    db: Path | None = None, policy: str | None = None, tick_seconds: float | None = None
) -> Settings:
    overrides: dict[str, Any] = {}
    if db is not None:
        overrides["db_path"] = db
    if policy is not None:
        overrides["policy"] = policy
    if tick_seconds is not None:
        overrides["tick_seconds"] = tick_seconds
    try:
        settings = load(Settings, OPTIONS, **overrides)
    except ConfigError as exc:
        _refuse(exc.problems)
    if db is not None and settings.database_url:
        # DATABASE_URL wins over a file: say so rather than serve, seed or read another
        # database than the one the command line names.
        _refuse(
            [
                f"--db: {db} names a SQLite file, but {env_name(Settings, 'database_url')} "
                "is set and would be used instead; unset it or leave out --db"
            ]
        )
    return settings


def _source(settings: Settings, db: Path | None) -> str:
    """Where the database comes from, by name: never DATABASE_URL's value (it may hold a
    password)."""
    if settings.database_url:
        return env_name(Settings, "database_url")
    return (
        f"--db: {settings.db_path}"
        if db is not None
        else f"CONSENTGATE_DB_PATH: {settings.db_path}"
    )


def require_database(settings: Settings, db: Path | None) -> None:
    """Refuse a SQLite file that is not there: opening it would create an empty database, and
    a command would answer from (or mint tokens for) a city that does not exist."""
    path = sqlite_file(settings.url())  # --db, CONSENTGATE_DB_PATH, or a SQLite DATABASE_URL
    if path is not None and not path.is_file():
        # DATABASE_URL's value is never said, its file name included (_source).
        there = "no database there"
        if settings.database_url:
            there = "no database at the SQLite file it names"
        _refuse([f"{_source(settings, db)}: {there} (consentgate seed makes one)"])


def _database_errors() -> tuple[type[Exception], ...]:
    """What opening a database raises for a bad URL (ArgumentError), a server or file the
    driver cannot open (DBAPIError), or a folder that cannot be made (OSError)."""
    from sqlalchemy.exc import ArgumentError, DBAPIError

    return (ArgumentError, DBAPIError, OSError)


def open_runtime(settings: Settings, db: Path | None) -> Runtime:
    """The runtime, or exit 2 naming the database setting that cannot be opened."""
    from app.runtime import Runtime

    try:
        return Runtime.build(settings)
    except PolicyNotFound as exc:
        _refuse([f"policy: {exc}"])
    except ConfigError as exc:  # the token secret's file: a dangling link, or not private
        _refuse(exc.problems)
    except _database_errors() as exc:
        _cannot_open(settings, db, exc)


def _cannot_open(settings: Settings, db: Path | None, exc: Exception) -> NoReturn:
    _refuse([f"{_source(settings, db)}: cannot be opened ({_reason(exc)})"])


def _reason(exc: Exception) -> str:
    # The driver's own words, first line only; SQLAlchemy appends a URL and a help link.
    reason = getattr(exc, "orig", None) or exc
    return str(reason).strip().splitlines()[0] if str(reason).strip() else type(exc).__name__


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    db: DbOption = None,
    policy: PolicyOption = None,
    tick_seconds: Annotated[
        float | None,
        typer.Option(
            "--tick-seconds",
            min=0,
            help="run tick (due releases, expiries) every N seconds; default "
            "CONSENTGATE_TICK_SECONDS or 30; 0: never, to serve a finished record such as a "
            "simulated year unchanged",
        ),
    ] = None,
) -> None:
    """Serve the REST API (OpenAPI docs at /docs)."""
    import uvicorn

    from app.audit.keys import LogKeyError
    from app.main import create_app

    settings = _settings(db, policy, tick_seconds)
    try:
        app = create_app(settings)
    except PolicyNotFound as exc:
        _refuse([f"policy: {exc}"])
    except LogKeyError as exc:  # production without CONSENTGATE_LOG_KEY (issue 5)
        _refuse([f"log key: {exc}"])
    except ConfigError as exc:  # CONSENTGATE_RATE_* (the edge limits are read with the app)
        _refuse(exc.problems)
    except _database_errors() as exc:  # a DATABASE_URL or a file that cannot be opened
        _cannot_open(settings, db, exc)
    out.print(f"consentgate on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    # A policy file names its policy freely, "[/x]" included: `out` reads no markup.
    out.print(f"database: {settings.display_url()}   policy: {app.state.runtime.policy.name}")
    # The timer writes on the wall clock: served a simulated year, it would expire the year's
    # open requests today and append those entries to the record an auditor came to read.
    if settings.tick_seconds:
        out.print(
            f"timer: tick every {settings.tick_seconds:g} s (releases due consents, expires "
            "requests and notices, and logs both); --tick-seconds 0 serves the database unchanged"
        )
    else:
        out.print("timer: off (nothing is released or expired unless asked)")
    uvicorn.run(app, host=host, port=port, log_level="info")


@cli.command()
def seed(
    db: DbOption = None,
    env_file: Annotated[
        Path | None,
        typer.Option(help="where to write the demo tokens (default CONSENTGATE_DEMO_ENV_FILE)"),
    ] = None,
    url: Annotated[
        str,
        typer.Option(help="the service's address, written as $CG for the walkthrough"),
    ] = DEFAULT_URL,
) -> None:
    """Build the demo city (idempotent) and print a demo token per role."""
    from scripts.seed import seed_demo

    settings = _settings(db)
    # The web start page offers the tokens from CONSENTGATE_DEMO_ENV_FILE: write them there.
    target = env_file if env_file is not None else settings.demo_env_path()
    # Both checked before the city is built: a folder given as the file was an
    # IsADirectoryError after seeding, and an address with a space broke `source demo.env`.
    where = "--env-file" if env_file is not None else env_name(Settings, "demo_env_file")
    problems = [f"{where}: {p}" for p in [_env_file_problem(target)] if p]
    problems += [f"--url: {p}" for p in [_url_problem(url)] if p]
    if problems:
        _refuse(problems)
    runtime = open_runtime(settings, db)
    seed_demo(settings, env_file=target, console=out, runtime=runtime, url=url)


def _env_file_problem(path: Path) -> str | None:
    from app.files import folder_problem

    if path.is_dir():
        return f"{path} is a folder; name a file in it, e.g. {path / 'demo.env'}"
    problem = folder_problem(path.parent)
    return None if problem is None else f"{path} cannot be written: {problem}"


def _url_problem(url: str) -> str | None:
    """The service's address, written as $CG for the walkthrough's `curl "$CG/..."`."""
    from urllib.parse import urlsplit

    example = f"an http:// or https:// address such as {DEFAULT_URL}"
    if any(c.isspace() or not c.isprintable() for c in url):
        return f"{url!r} holds a space or a control character; give {example}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError as exc:
        return f"{url!r} is not an address ({exc}); give {example}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not {example}"
    return None


@cli.command()
def token(
    role: Annotated[str, typer.Argument(help="operator, agency, resident or auditor")],
    subject: Annotated[str | None, typer.Option(help="agency or resident id")] = None,
    name: Annotated[str, typer.Option(help="officer's name, for agency tokens")] = "",
    minutes: Annotated[
        int | None,
        typer.Option(
            min=1, max=MAX_TOKEN_MINUTES, help="lifetime; default CONSENTGATE_TOKEN_MINUTES"
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Mint a bearer token (the operator's power, from the command line)."""
    from app.clock import SystemClock
    from app.security import mint_token
    from app.workflow.context import Actor
    from app.workflow.records import Agency, Resident
    from app.workflow.states import Role

    try:
        parsed_role = Role(role)
    except ValueError:
        err.print(error_text(f"role: {role!r} is not one of operator, agency, resident, auditor"))
        raise typer.Exit(2) from None
    try:
        subject_id = UUID(subject) if subject else None
    except ValueError:
        err.print(error_text(f"--subject: {subject!r} is not a UUID"))
        raise typer.Exit(2) from None
    settings = _settings(db)
    require_database(settings, db)
    runtime = open_runtime(settings, db)
    if parsed_role in (Role.AGENCY, Role.RESIDENT):
        kind = Agency if parsed_role is Role.AGENCY else Resident
        if subject_id is None or runtime.read(lambda ctx: ctx.store.get(kind, subject_id)) is None:
            article = "an" if parsed_role is Role.AGENCY else "a"
            needs = f"{article} {role} token needs the id of an existing {role}"
            err.print(error_text(f"--subject: {needs}"))
            raise typer.Exit(2)
    actor = Actor(parsed_role, subject_id or uuid4(), name)
    print(
        mint_token(
            runtime.tokens,
            actor,
            now=SystemClock().now(),
            lifetime=timedelta(minutes=minutes or settings.token_minutes),
        )
    )


# The auditor's commands live in their own module (issue 5).
from app.cli_audit import audit_cli, report_cli  # noqa: E402

cli.add_typer(audit_cli, name="audit")
cli.add_typer(report_cli, name="report")
from app.cli_sim import register as _register_simulation  # noqa: E402

_register_simulation(cli)
# Issue 4: `consentgate verify`, registered from its own module.
from app.cli_verify import register as _register_verify  # noqa: E402

_register_verify(cli)


def main() -> None:
    # scripts/ lives beside app/; make `consentgate seed` work from a checkout.
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from app.store.schema import DatabaseNotUsable
    from app.workflow.errors import DatabaseUnavailable

    try:
        cli()
    except DatabaseNotUsable as exc:
        # Every command opens the database the same way (Runtime.build): one refusal for all,
        # in words, instead of a driver's or Alembic's traceback.
        err.print(error_text(f"database: {exc}"))
        raise SystemExit(2) from None
    except DatabaseUnavailable as exc:
        # The database stopped answering (or stayed busy) mid-command: the runtime bounded the
        # wait and rolled the transaction back. Exit 1, not 2: nothing the operator typed was
        # wrong, and cron should try again.
        err.print(error_text(f"database: {exc.detail}"))
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
