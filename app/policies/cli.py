"""`consentgate policy ...`: list the presets, show a policy's parameters, check a TOML file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli_console import error_text, plain_console
from app.policies.base import describe
from app.policies.registry import (
    PRESETS,
    PolicyFileError,
    PolicyNotFound,
    load_policy,
    preset_names,
)

policy_cli = typer.Typer(help="The policy library: presets and TOML policy files.")
# No markup: a policy file names its policy freely, and rich read "[/x]" as a closing tag.
_out = plain_console()
_err = plain_console(stderr=True, soft_wrap=True)  # one line a problem, to read or grep

NameArgument = Annotated[
    str, typer.Argument(help="a preset name, module:ATTRIBUTE, or a .toml file")
]


def _load(name: str) -> dict[str, object]:
    try:
        return describe(load_policy(name))
    except PolicyNotFound as exc:
        # A policy file's lines already name the file, the key and the reason: one a problem.
        for line in exc.lines() if isinstance(exc, PolicyFileError) else [str(exc)]:
            _err.print(error_text(f"policy: {line}"))
        raise typer.Exit(2) from None


@policy_cli.command("list")
def list_presets() -> None:
    """The presets, side by side, parameter by parameter."""
    names = preset_names()
    rows = {name: load_policy(name).params.as_dict() for name in names}
    keys = list(rows[names[0]])
    # As many presets side by side as the console's width takes whole: seven in one table cut
    # every name and value to "ri…" and "Tr…" at 80 columns.
    for group in _fitting(names, rows, keys, _out.width):
        table = Table(title="consentgate policy presets")
        table.add_column("parameter", no_wrap=True)
        for name in group:
            table.add_column(name, no_wrap=True)
        for key in keys:
            table.add_row(key, *(_cell(rows[name][key]) for name in group))
        _out.print(table)


def _fitting(
    names: list[str], rows: dict[str, dict[str, object]], keys: list[str], width: int
) -> list[list[str]]:
    """`names` in order, in groups whose columns fit `width` (one preset a group at least);
    a column takes its widest cell plus three for the rule and padding."""
    used = max(len(key) for key in keys) + 4
    groups: list[list[str]] = [[]]
    taken = used
    for name in names:
        need = max(len(name), *(len(_cell(rows[name][key])) for key in keys)) + 3
        if groups[-1] and taken + need > width:
            groups.append([])
            taken = used
        groups[-1].append(name)
        taken += need
    return groups


def _cell(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return str(value)


@policy_cli.command("show")
def show(name: NameArgument) -> None:
    """A policy's name, parameters and parameter hash, as JSON (what GET /policy serves)."""
    print(json.dumps(_load(name), indent=2, sort_keys=True))


@policy_cli.command("check")
def check(name: NameArgument) -> None:
    """Load a policy (e.g. a TOML file) and say whether it is valid; exit 2 if not."""
    described = _load(name)
    base = " (a preset)" if name in PRESETS else ""
    print(f"ok: {described['name']}{base}, parameter hash {described['parameter_hash']}")


@policy_cli.command("diff")
def diff(first: NameArgument, second: NameArgument) -> None:
    """The parameters on which two policies differ."""
    a, b = _load(first), _load(second)
    left, right = a["parameters"], b["parameters"]
    assert isinstance(left, dict) and isinstance(right, dict)
    table = Table(title=f"{a['name']} vs {b['name']}")
    for column in ("parameter", str(a["name"]), str(b["name"])):
        table.add_column(column, no_wrap=column == "parameter")
    differing = [key for key in left if left[key] != right[key]]
    if not differing:  # an empty table read as a failure to compare
        _out.print(f"no differences: {a['name']} and {b['name']} have the same parameters")
        return
    for key in differing:
        table.add_row(key, _cell(left[key]), _cell(right[key]))
    _out.print(table)


def tick_command(
    db: Annotated[Path | None, typer.Option("--db", help="SQLite file")] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="the policy the server runs (preset or file)")
    ] = None,
) -> None:
    """Release consents past their cooling-off and mark expired requests (e.g. from cron)."""
    from app.cli import _settings, open_runtime, require_database
    from app.workflow.tick import tick

    settings = _settings(db, policy)
    # A mistyped --db would be created empty and ticked, "released 0, expired 0", from cron.
    require_database(settings, db)
    runtime = open_runtime(settings, db)
    done = runtime.write(tick)
    runtime.db.dispose()
    print(f"released {done.released}, expired {done.expired}")
