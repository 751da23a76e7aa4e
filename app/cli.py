"""The command line: serve, seed, token, verify."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID, uuid4

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from app.config import Settings
from app.policies.cli import policy_cli, tick_command
from app.policies.registry import PolicyNotFound

cli = typer.Typer(
    help="consentgate: the consent-gated footage-request workflow.", no_args_is_help=True
)
err = Console(stderr=True)
out = Console()

# The policy library's commands: consentgate policy list | diff | show | check, and tick.
cli.add_typer(policy_cli, name="policy")
cli.command("tick")(tick_command)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="SQLite file (default var/consentgate.db)")
]
PolicyOption = Annotated[
    str | None, typer.Option("--policy", help="preset name or module:ATTRIBUTE")
]


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
        return Settings(**overrides)
    except ValidationError as exc:
        for e in exc.errors():
            where = ".".join(str(p) for p in e["loc"]) or "settings"
            err.print(f"[red]error:[/red] {where}: {e['msg']}")
        raise typer.Exit(2) from None


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
        err.print(f"[red]error:[/red] policy: {exc}")
        raise typer.Exit(2) from None
    except LogKeyError as exc:  # production without CONSENTGATE_LOG_KEY (issue 5)
        err.print(f"[red]error:[/red] log key: {exc}")
        raise typer.Exit(2) from None
    out.print(f"consentgate on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
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
def seed(db: DbOption = None, env_file: Path = Path("var/demo.env")) -> None:
    """Build the demo city (idempotent) and print a demo token per role."""
    from scripts.seed import seed_demo

    settings = _settings(db)
    seed_demo(settings, env_file=env_file, console=out)


@cli.command()
def token(
    role: Annotated[str, typer.Argument(help="operator, agency, resident or auditor")],
    subject: Annotated[str | None, typer.Option(help="agency or resident id")] = None,
    name: Annotated[str, typer.Option(help="officer's name, for agency tokens")] = "",
    minutes: Annotated[int, typer.Option(min=1, max=60 * 24 * 30)] = 8 * 60,
    db: DbOption = None,
) -> None:
    """Mint a bearer token (the operator's power, from the command line)."""
    from app.clock import SystemClock
    from app.runtime import Runtime
    from app.security import mint_token
    from app.workflow.context import Actor
    from app.workflow.records import Agency, Resident
    from app.workflow.states import Role

    try:
        parsed_role = Role(role)
    except ValueError:
        err.print(
            f"[red]error:[/red] role: {role!r} is not one of operator, agency, resident, auditor"
        )
        raise typer.Exit(2) from None
    try:
        subject_id = UUID(subject) if subject else None
    except ValueError:
        err.print(f"[red]error:[/red] --subject: {subject!r} is not a UUID")
        raise typer.Exit(2) from None
    runtime = Runtime.build(_settings(db))
    if parsed_role in (Role.AGENCY, Role.RESIDENT):
        kind = Agency if parsed_role is Role.AGENCY else Resident
        if subject_id is None or runtime.read(lambda ctx: ctx.store.get(kind, subject_id)) is None:
            article = "an" if parsed_role is Role.AGENCY else "a"
            err.print(
                f"[red]error:[/red] --subject: {article} {role} token needs the id of an "
                f"existing {role}"
            )
            raise typer.Exit(2)
    actor = Actor(parsed_role, subject_id or uuid4(), name)
    print(
        mint_token(
            runtime.tokens, actor, now=SystemClock().now(), lifetime=timedelta(minutes=minutes)
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

    try:
        cli()
    except DatabaseNotUsable as exc:
        # Every command opens the database the same way (Runtime.build): one refusal for all,
        # in words, instead of a driver's or Alembic's traceback.
        err.print(f"[red]error:[/red] database: {escape(str(exc))}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
