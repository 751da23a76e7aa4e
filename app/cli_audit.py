"""The auditor's command line: `consentgate audit ...` and `consentgate report ...`.

Exit codes: 0 verified / done, 1 the log failed verification (or replay found differences),
2 the input could not be read (a malformed bundle, an unknown key, a bad option).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.audit.bundle import BundleError, read_pinned_key, snapshot, verify_bundle, write_bundle
from app.audit.keys import LogKeyError, LogKeySettings, load_signer
from app.workflow.signed_note import Signer

audit_cli = typer.Typer(help="The auditor's toolkit: export, verify, keys.", no_args_is_help=True)
report_cli = typer.Typer(help="Reports an auditor or the public reads.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)  # long paths stay on one line
out = Console(soft_wrap=True)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="SQLite file (default var/consentgate.db)")
]


def _fail(where: str, reason: object, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {where}: {reason}", highlight=False)
    return typer.Exit(code)


def _runtime_and_signer(db: Path | None) -> tuple[object, Signer]:
    from app.cli import _settings
    from app.runtime import Runtime

    settings = _settings(db)
    try:
        signer = load_signer(settings)
    except LogKeyError as exc:
        raise _fail("log key", exc) from None
    return Runtime.build(settings), signer


@audit_cli.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="bundle directory to write")],
    db: DbOption = None,
) -> None:
    """Write a bundle: entries.jsonl, the signed checkpoint, and the log key."""
    from app.runtime import Runtime

    runtime, signer = _runtime_and_signer(db)
    assert isinstance(runtime, Runtime)
    try:
        lines, checkpoint = runtime.read(lambda ctx: snapshot(ctx, signer))
        exported = write_bundle(directory, lines, checkpoint, signer)
    except (BundleError, OSError) as exc:
        raise _fail(str(directory), exc) from None
    out.print(f"exported {exported.size} entries and a signed checkpoint to {directory}")


@audit_cli.command("checkpoint")
def checkpoint(db: DbOption = None) -> None:
    """Print the current signed checkpoint (save it: later logs must extend it)."""
    from app.runtime import Runtime
    from app.workflow.auditor import current_checkpoint
    from app.workflow.signed_note import sign_checkpoint

    runtime, signer = _runtime_and_signer(db)
    assert isinstance(runtime, Runtime)
    cp = runtime.read(lambda ctx: current_checkpoint(ctx, signer.name))
    print(sign_checkpoint(signer, cp), end="")


@audit_cli.command("key")
def key(db: DbOption = None) -> None:
    """Print the log's verifier key, the one auditors pin."""
    from app.cli import _settings

    try:
        signer = load_signer(_settings(db))
    except LogKeyError as exc:
        raise _fail("log key", exc) from None
    print(signer.verifier.encode())


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
        raise _fail("bundle", exc) from None
    if verdict.ok:
        out.print(
            f"[green]verified[/green]: {verdict.size} entries, root {verdict.root}, signed by "
            f"{pinned.name}; consistent with {verdict.saved_checked} saved checkpoint(s)",
            highlight=False,
        )
        return
    if verdict.first_bad_seq is not None:
        err.print(f"[red]FAILED[/red] at entry {verdict.first_bad_seq}", highlight=False)
    else:
        err.print("[red]FAILED[/red]", highlight=False)
    for problem in verdict.problems:
        err.print(f"  - {problem}", highlight=False)
    raise typer.Exit(1)
