"""README.md and docs/*.md name things that exist: links and anchors, files, `consentgate`
commands and their options, Makefile targets, routes, and the error codes they answer.

Each check reads the documents as a new user would follow them, and fails naming the document
and what it names that is not there. Figures and prose are not checked; names are.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer.main
from fastapi import FastAPI

from app.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
SPAN = re.compile(r"`([^`\n]+)`")


def text(doc: Path) -> str:
    return doc.read_text(encoding="utf-8")


def code_of(doc: Path) -> list[str]:
    """Every line of a fenced block and every inline code span: where commands are written."""
    body = text(doc)
    lines = [line for block in FENCE.findall(body) for line in block.splitlines()[1:-1]]
    return lines + SPAN.findall(FENCE.sub("", body))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    plain = re.sub(r"[`*]|\[([^]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", plain).replace(" ", "-")


@cache
def anchors(doc: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    found = set()
    for line in FENCE.sub("", text(doc)).splitlines():
        heading = re.match(r"#{1,6}\s+(.*)", line)
        if heading:
            base = slug(heading.group(1))
            found.add(base if base not in seen else f"{base}-{seen[base]}")
            seen[base] = seen.get(base, 0) + 1
    return frozenset(found)


def where(doc: Path) -> str:
    return str(doc.relative_to(ROOT))


@pytest.mark.parametrize("doc", DOCS, ids=where)
def test_every_relative_link_and_anchor_resolves(doc: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", FENCE.sub("", text(doc))):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading with that anchor")
    assert not broken, f"{where(doc)}: {broken}"


@pytest.mark.parametrize("doc", DOCS, ids=where)
def test_every_table_has_its_header(doc: Path) -> None:
    """Rows cut off from their table (a paragraph between them) render as a line of pipes."""
    orphans = []
    block: list[str] = []
    for line in [*FENCE.sub("", text(doc)).splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
            continue
        if block and not (len(block) > 1 and re.fullmatch(r"\|( *:?-+:? *\|)+", block[1])):
            orphans.append(block[0][:60])
        block = []
    assert not orphans, f"{where(doc)}: table rows without a header: {orphans}"


# Paths the documents name as examples or as outputs of a run, not files of the repository.
EXAMPLE_PATHS = {"path/to/mine.toml"}
REPO_PATH = re.compile(r"^(?:app|tests|scripts|bench|scenarios|docs)/[\w./-]*[\w/]$")


@pytest.mark.parametrize("doc", DOCS, ids=where)
def test_every_repository_path_named_exists(doc: Path) -> None:
    missing = []
    for span in SPAN.findall(FENCE.sub("", text(doc))):
        for word in re.split(r"[\s,]+", span):
            path = word.split("::")[0].split(":")[0].rstrip(".")
            named = REPO_PATH.match(path) and path not in EXAMPLE_PATHS and "<" not in path
            if named and not (ROOT / path).exists():
                missing.append(path)
    assert not missing, f"{where(doc)} names files that are not there: {missing}"


@cache
def commands() -> Any:
    """The command tree (typer's own click: a group has `commands`, a command `params`)."""
    return typer.main.get_command(cli)


def _options(command: Any) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}


# `consentgate` or the audit walkthrough's `$CG` (.venv/bin/consentgate), then the command.
INVOCATION = re.compile(r"(?:^|[\s(/])(?:consentgate|\$CG) +([a-z][a-z-]*)((?: +[^\s|;&>#]+)*)")


@pytest.mark.parametrize("doc", DOCS, ids=where)
def test_every_consentgate_command_and_option_exists(doc: Path) -> None:
    wrong = []
    for line in code_of(doc):
        for name, rest in INVOCATION.findall(line):
            command = commands().commands.get(name)
            if command is None:
                wrong.append(f"consentgate {name}")
                continue
            words = [w for w in rest.split() if w not in ("…", "...")]
            if hasattr(command, "commands") and words and not words[0].startswith("-"):
                sub = words[0].split("|")  # `policy list|show|diff|check`
                unknown = [s for s in sub if s not in command.commands]
                wrong += [f"consentgate {name} {s}" for s in unknown]
                if len(sub) == 1 and not unknown:
                    command = command.commands[sub[0]]
            for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest):
                if option not in _options(command):
                    wrong.append(f"consentgate {name} ... {option}")
    assert not wrong, f"{where(doc)} names commands or options that do not exist: {wrong}"


@pytest.mark.parametrize("doc", DOCS, ids=where)
def test_every_make_target_exists(doc: Path) -> None:
    targets = set(re.findall(r"^([a-z][\w-]*):", text(ROOT / "Makefile"), re.MULTILINE))
    named = {t for line in code_of(doc) for t in re.findall(r"(?:^|\s)make ([a-z][\w-]*)", line)}
    assert named <= targets, f"{where(doc)} names make targets that do not exist: {named - targets}"


METHOD = r"(?:GET|POST|PUT|DELETE|PATCH)"
ROUTE = re.compile(rf"\b({METHOD}(?:/{METHOD})*) +(/[\w{{}}/.\[\]-]*)")
NOT_THE_API = ("/web", "/bare")  # the web pages; the bench's bare app


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.split("?")[0].rstrip("."))


@pytest.mark.skipif(bool(os.environ.get("CONSENTGATE_TEST_PG_URL")), reason="ran on SQLite")
def test_every_route_named_is_in_the_openapi_document(app: FastAPI) -> None:
    served = {
        (method.upper(), _shape(path))
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    wrong = []
    for doc in DOCS:
        for methods, path in ROUTE.findall(text(doc)):
            if path.startswith(NOT_THE_API):
                continue
            # `GET /me/requests[/{id}]` names both routes.
            variants = {re.sub(r"\[.*?\]", "", path), path.replace("[", "").replace("]", "")}
            for method in methods.split("/"):
                wrong += [
                    f"{where(doc)}: {method} {v}"
                    for v in variants
                    if (method, _shape(v)) not in served
                ]
    assert not wrong, f"routes the API does not serve: {wrong}"


# An error code named with its status, e.g. "403 `route_not_in_allow_list`".
STATUS_CODE = re.compile(r"\b[45]\d\d `([a-z][a-z_]+)`")


def test_every_error_code_named_with_a_status_is_one_the_service_sends() -> None:
    sources = "\n".join(p.read_text() for p in (ROOT / "app").rglob("*.py"))
    # NotFound(kind) answers `<kind>_not_found` (app/workflow/errors.py).
    kinds = {k.replace(" ", "_") for k in re.findall(r'NotFound\("([a-z ]+)"\)', sources)}
    wrong = []
    for doc in DOCS:
        for code in STATUS_CODE.findall(text(doc)):
            literal = f'"{code}"' in sources or f"'{code}'" in sources
            if not literal and code.removesuffix("_not_found") not in kinds:
                wrong.append(f"{where(doc)}: {code}")
    assert not wrong, f"error codes no code in app/ sends: {wrong}"
