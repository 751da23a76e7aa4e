"""Known advisories against pinned dependencies (docs/security.md, "Dependencies"): the
vulnerable code is never reached. Each test names the advisory it guards against."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Mint and decode a token as the service does, then list which of the risky modules loaded.
PROBE = """
import sys
from datetime import UTC, datetime, timedelta
from uuid import uuid4
from app.main import create_app
from app.security import TokenConfig, mint_token, decode_token
from app.workflow.context import Actor
from app.workflow.states import Role
config = TokenConfig("k" * 48, "consentgate", "consentgate-api")
now = datetime.now(UTC)
token = mint_token(config, Actor(Role.AGENCY, uuid4()), now=now, lifetime=timedelta(hours=1))
decode_token(config, token, now=now)
print(sorted({m.split(".")[0] for m in sys.modules} & {"ecdsa", "rsa", "pyasn1"}))
"""


def test_ecdsa_rsa_and_pyasn1_are_never_loaded() -> None:
    """CVE-2024-23342 (ecdsa, Minerva timing; no fix planned) and the pyasn1 decoder DoS
    reports: python-jose pulls these in, but with its `cryptography` backend and HS256 pinned
    the service never imports them, so their code cannot run."""
    out = subprocess.run(  # noqa: S603 - our own interpreter and a constant script
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip().replace("'", '"')) == []


def test_python_jose_is_imported_only_by_app_security() -> None:
    """The algorithm-confusion reports against python-jose (CVE-2024-33663 and the open DER
    bypass) need a decode that accepts several algorithms or a public key as the secret: with
    one importer, one decode and one pinned algorithm there is one place to check."""
    importers = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "jose" or n.startswith("jose.") for n in names):
                importers.append(path.relative_to(ROOT).as_posix())
    assert sorted(set(importers)) == ["app/security.py"]


def test_every_decode_pins_exactly_one_algorithm() -> None:
    source = (ROOT / "app" / "security.py").read_text()
    tree = ast.parse(source)
    decodes = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"decode", "verify"}
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in {"jwt", "jws"}
    ]
    assert decodes, "no decode found: the test no longer sees the call it guards"
    for call in decodes:
        algorithms = {k.arg: k.value for k in call.keywords}.get("algorithms")
        assert isinstance(algorithms, ast.List) and len(algorithms.elts) == 1, ast.unparse(call)


def test_the_lock_pins_every_package_exactly() -> None:
    lines = (ROOT / "requirements.lock").read_text().split()
    assert lines == sorted(lines, key=str.lower)
    assert all(line.count("==") == 1 for line in lines), [x for x in lines if "==" not in x]


def _report(tmp_path: Path, dependencies: list[dict[str, object]]) -> str:
    path = tmp_path / "pip-audit.json"
    path.write_text(json.dumps({"dependencies": dependencies}))
    return str(path)


def test_make_audit_refuses_a_run_that_audited_nothing(tmp_path: Path) -> None:
    from scripts.audit_lock import main

    skipped = [{"name": "fastapi", "skip_reason": "Dependency not found on PyPI"}]
    assert main(_report(tmp_path, skipped)) == 2
    assert main(str(tmp_path / "missing.json")) == 2


def test_make_audit_fails_only_on_advisories_that_apply(tmp_path: Path) -> None:
    from scripts.audit_lock import main

    ecdsa = {
        "name": "ecdsa",
        "version": "0.19.2",
        "vulns": [{"id": "GHSA-wj6h-64fc-37mp", "aliases": ["CVE-2024-23342"], "fix_versions": []}],
    }
    clean = {"name": "h3", "version": "4.5.0", "vulns": []}
    assert main(_report(tmp_path, [ecdsa, clean])) == 0
    bad = {"name": "h11", "version": "0.14.0", "vulns": [{"id": "GHSA-vqfr-h8mv-ghfj"}]}
    assert main(_report(tmp_path, [ecdsa, clean, bad])) == 1
