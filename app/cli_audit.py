"""The auditor's command line: `consentgate audit ...` and `consentgate report ...`.

Exit codes: 0 verified / done, 1 the log failed verification (or replay found differences),
2 the input could not be read (a malformed bundle, an unknown key, a bad option).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import httpx
import typer

from app.audit.bundle import (
    BundleError,
    export_from_db,
    fetch_bundle,
    read_pinned_key,
    verify_bundle,
    write_bundle,
)
from app.audit.keys import LogKeyError, LogKeySettings, key_file, load_signer
from app.cli_console import coloured, error_text, plain_console
from app.config import Settings, env_name, sqlite_file
from app.files import folder_problem, os_error_text
from app.workflow.context import Ctx
from app.workflow.signed_note import Signer

T = TypeVar("T")

audit_cli = typer.Typer(help="The auditor's toolkit: export, verify, keys.", no_args_is_help=True)
report_cli = typer.Typer(help="Reports an auditor or the public reads.", no_args_is_help=True)
# Long paths stay on one line; no markup (app/cli_console.py), so they print as they are.
err = plain_console(stderr=True, soft_wrap=True)
out = plain_console(soft_wrap=True)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="SQLite file (default var/consentgate.db)")
]


def _fail(where: str, reason: object, code: int = 2) -> typer.Exit:
    err.print(error_text(f"{where}: {reason}"))
    return typer.Exit(code)


def _signer(db: Path | None) -> Signer:
    """The log key for the database `db` names, kept beside it. A key made here rather than
    found is said on stderr: the checkpoints of a log that already has entries were signed by
    another key, and an auditor who pinned that one should hear why this one differs."""
    settings = _existing(db)
    log = LogKeySettings()
    path = key_file(settings, log)
    made = log.log_key is None and settings.env != "production" and not path.exists()
    if made:
        _read_db(db, lambda ctx: None)  # a key only for a database that can be read
    try:
        signer = load_signer(settings, log)
    except LogKeyError as exc:
        raise _fail("log key", exc) from None
    if made:
        err.print(f"note: no log key was at {path}; made a new one there")
    return signer


def _existing(db: Path | None) -> Settings:
    """The settings for the database `db` names, or exit 2 if it is a SQLite file that is not
    there (opening it would create an empty one, and an empty log verifies, replays and reports
    as cleanly as an honest one; nor should a key be made beside a mistyped path)."""
    from app.cli import _settings

    settings = _settings(db)
    path = sqlite_file(settings.url())  # db_path, or the file a SQLite DATABASE_URL names
    if path is None or path.is_file():
        return settings
    if settings.database_url:  # never the value, its file name included
        raise _fail(env_name(Settings, "database_url"), "no database at the SQLite file it names")
    raise _fail("--db", f"{path}: no database there")


def _read_db(db: Path | None, step: Callable[[Ctx], T]) -> T:
    """Run one read step against the database, and let go of the connections afterwards.

    Only an existing database is read: opening a mistyped path would create an empty one, and
    an empty log verifies, replays and reports as cleanly as an honest one."""
    from sqlalchemy.exc import DatabaseError

    from app.config import ConfigError
    from app.runtime import Runtime
    from app.store.schema import DatabaseNotUsable
    from app.workflow.errors import DatabaseUnavailable

    settings = _existing(db)
    # Name the file, never DATABASE_URL's value: it may hold a password.
    source = env_name(Settings, "database_url") if settings.database_url else str(settings.db_path)
    try:
        runtime = Runtime.build(settings, migrate=False)
        try:
            return runtime.read(step)
        finally:
            runtime.db.dispose()
    except DatabaseNotUsable as exc:  # unreachable, or a schema it would have to change
        raise _fail("--db", f"{source}: {exc}") from None
    except ConfigError as exc:  # the token secret beside it: a dangling link, or not private
        variable, _, why = exc.problems[0].partition(": ")
        raise _fail(variable, why) from None
    except (DatabaseError, DatabaseUnavailable) as exc:
        reason = getattr(exc, "orig", None) or getattr(exc, "detail", None) or exc
        raise _fail(
            "--db", f"{source}: cannot be read as a consentgate database ({reason})"
        ) from None


def http_client(url: str) -> httpx.Client:
    """The client `audit export --url` uses (tests replace it with the app's test client)."""
    return httpx.Client(base_url=url, timeout=60)


@audit_cli.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="bundle directory to write")],
    db: DbOption = None,
    url: Annotated[
        str | None, typer.Option(help="export over the REST API from this service instead")
    ] = None,
    token: Annotated[
        str | None, typer.Option(envvar="AUDITOR_TOKEN", help="an auditor token, with --url")
    ] = None,
) -> None:
    """Write a bundle: entries.jsonl, the signed checkpoint, and the log key."""
    problem = folder_problem(directory)  # before the log is read, which may take minutes
    if problem is not None:
        raise _fail(str(problem.path), problem.reason)
    try:
        if url is not None:
            if not token:
                raise _fail("--token", "an auditor token is needed with --url")
            with http_client(url) as client:
                exported = write_bundle(directory, fetch_bundle(client, token))
        else:
            signer = _signer(db)
            exported = _read_db(db, lambda ctx: export_from_db(ctx, directory, signer))
    except BundleError as exc:
        where = {"--url": f"--url {url}", "--token": "--token"}.get(exc.option, str(directory))
        raise _fail(where, exc) from None
    except OSError as exc:  # a full disk, a quota: in words, not "[Errno 28] ..."
        raise _fail(str(exc.filename or directory), os_error_text(exc)) from None
    out.print(f"exported {exported.size} entries and a signed checkpoint to {directory}")


@audit_cli.command("checkpoint")
def checkpoint(db: DbOption = None) -> None:
    """Print the current signed checkpoint (save it: later logs must extend it)."""
    from app.workflow.auditor import current_checkpoint
    from app.workflow.signed_note import sign_checkpoint

    signer = _signer(db)
    cp = _read_db(db, lambda ctx: current_checkpoint(ctx, signer.name))
    print(sign_checkpoint(signer, cp), end="")


@audit_cli.command("key")
def key(db: DbOption = None) -> None:
    """Print the log's verifier key, the one auditors pin."""
    print(_signer(db).verifier.encode())


@audit_cli.command("keygen")
def keygen(
    origin: Annotated[str | None, typer.Option(help="the log's origin (key name)")] = None,
) -> None:
    """Print a new signer key for CONSENTGATE_LOG_KEY (keep it secret) and its verifier key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.workflow.signed_note import NoteError

    name = origin or LogKeySettings().log_origin
    try:
        signer = Signer(name, Ed25519PrivateKey.generate())
        verifier = signer.verifier.encode()
    except NoteError as exc:
        raise _fail("origin", exc) from None
    print(f"CONSENTGATE_LOG_KEY={signer.encode()}")
    print(f"verifier key (publish and pin): {verifier}")


@audit_cli.command("verify")
def verify(
    bundle: Annotated[Path, typer.Argument(help="a bundle directory from `audit export`")],
    key: Annotated[
        str,
        typer.Option(
            "--key",
            envvar="CONSENTGATE_PINNED_LOG_KEY",
            help="the verifier key you pinned (the key itself, or a file holding it)",
        ),
    ],
    saved: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="a checkpoint you saved earlier (repeatable)"),
    ] = None,
) -> None:
    """Recompute entries -> leaves -> root -> signature; check your saved checkpoints."""
    try:
        pinned = read_pinned_key(key)
        verdict = verify_bundle(bundle, pinned, saved or [])
    except BundleError as exc:
        raise _fail(exc.option, exc) from None
    if verdict.ok:
        said = (
            f": {verdict.size} entries, root {verdict.root}, signed by {pinned.name}; "
            f"consistent with {verdict.saved_checked} saved checkpoint(s)"
        )
        out.print(coloured("verified", "green", said))
        return
    at = f" at entry {verdict.first_bad_seq}" if verdict.first_bad_seq is not None else ""
    err.print(coloured("FAILED", "red", at))
    for problem in verdict.problems:
        err.print(f"  - {problem}", highlight=False)
    raise typer.Exit(1)


PolicyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--policy",
        help="a policy file or module:ATTRIBUTE the log names that is not a preset (repeatable)",
    ),
]


@audit_cli.command("replay")
def replay(db: DbOption = None, policy: PolicyOption = None) -> None:
    """Ask every logged decision again under its logged policy; list those that now differ."""
    from app.audit.replay import resolver
    from app.policies.registry import PolicyNotFound, load_policy
    from app.workflow.decisions import replay_log

    try:
        known = [load_policy(name) for name in policy or []]
    except PolicyNotFound as exc:
        raise _fail("--policy", exc) from None
    report = _read_db(db, lambda ctx: replay_log(ctx, resolver(known)))
    differs = [f for f in report.findings if f.kind == "differs"]
    skipped = [f for f in report.findings if f.kind != "differs"]
    out.print(
        f"replayed {report.replayed} decisions: {len(differs)} now come out differently, "
        f"{len(skipped)} could not be replayed",
        highlight=False,
    )
    for f in report.findings:
        target = err if f.kind == "differs" else out
        target.print(
            f"  entry {f.seq} {f.point} decision {f.decision_id}: {f.kind}; logged {f.logged}"
            + (f", now {f.now}: {f.detail}" if f.kind == "differs" else f" ({f.detail})"),
            highlight=False,
        )
    if differs:
        raise typer.Exit(1)


@report_cli.command("transparency")
def transparency(
    start: Annotated[str | None, typer.Option("--from", help="period start, ISO 8601")] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="period end (exclusive), ISO 8601")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="json, csv or markdown")] = "json",
    db: DbOption = None,
) -> None:
    """The transparency report, per agency and overall."""
    from datetime import datetime, timedelta

    from app.audit.report_format import FORMATS, render
    from app.clock import SystemClock, in_calendar
    from app.workflow.errors import InvalidInput
    from app.workflow.transparency import UP_TO_NOW, transparency_report

    if fmt not in FORMATS:
        raise _fail("--format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    times: dict[str, datetime | None] = {}
    for name, text in (("--from", start), ("--to", end)):
        if text is None:
            times[name] = None
            continue
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise _fail(name, f"{text!r} is not an ISO 8601 time") from None
        if value.tzinfo is None:
            raise _fail(name, f"{text!r} has no time zone (e.g. 2026-01-01T00:00:00Z)")
        try:  # near year 1, the default period (a year before --to) was a traceback
            times[name] = in_calendar(value)
        except ValueError as exc:
            raise _fail(name, f"{text!r} {exc}") from None
    until = times["--to"] or SystemClock().now() + UP_TO_NOW
    since = times["--from"] or until - timedelta(days=365)
    try:
        report = _read_db(db, lambda ctx: transparency_report(ctx, start=since, end=until))
    except InvalidInput as exc:
        raise _fail("period", exc.detail) from None
    print(render(report, fmt), end="")


# A receipt is a few hundred bytes; a compact JWS is three base64url parts (RFC 7515, 7.1),
# the signature possibly empty: an unsigned one ("alg": "none", RFC 7519 6.1) is a JWS, and as
# a receipt a forgery whose check fails (exit 1), not input that cannot be read (exit 2).
MAX_RECEIPT_BYTES = 64 * 1024
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@audit_cli.command("verify-receipt")
def verify_receipt(
    receipt: Annotated[Path, typer.Argument(help="a file holding the receipt (compact JWS)")],
    key: Annotated[
        str,
        typer.Option("--key", envvar="CONSENTGATE_PINNED_LOG_KEY", help="the pinned verifier key"),
    ],
) -> None:
    """Check a consent receipt's signature offline, under the key you pinned."""
    import json

    from app.audit.receipts import ReceiptError, verify_jws

    try:
        pinned = read_pinned_key(key)
        if receipt.is_file() and receipt.stat().st_size > MAX_RECEIPT_BYTES:
            raise _fail(str(receipt), f"larger than {MAX_RECEIPT_BYTES:,} bytes: not a receipt")
        token = receipt.read_text(encoding="utf-8").strip()
    except BundleError as exc:
        raise _fail(exc.option, exc) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(str(receipt), exc) from None
    if token.startswith("{"):  # the JSON answer of GET /me/consents/{id}/receipt
        try:
            token = str(json.loads(token)["receipt"])
        except (json.JSONDecodeError, KeyError, TypeError, RecursionError):
            raise _fail(str(receipt), "neither a compact JWS nor a receipt answer") from None
    if not COMPACT_JWS.fullmatch(token):
        # Not a receipt at all is the auditor's input (exit 2); a receipt whose signature
        # fails is a finding (INVALID, exit 1).
        raise _fail(str(receipt), "neither a compact JWS nor a receipt answer")
    try:
        claims = verify_jws(token, pinned)
    except ReceiptError as exc:
        err.print(coloured("INVALID", "red", f": {exc}"))
        raise typer.Exit(1) from None
    ours = claims.get("consentgate", {})
    said = (
        f" receipt {claims.get('consentReceiptID')} for consent {ours.get('consent_id')} "
        f"(log entry {(ours.get('log_entry') or {}).get('seq')})"
    )
    out.print(coloured("valid", "green", said))
