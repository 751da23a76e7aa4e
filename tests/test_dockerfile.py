"""The Docker image installs consentgate as `make install` does: the same Python, the runtime
half of the same pins (tests/test_locks.py checks the two lock files agree), the same entry
point, and the project in place, so that what the code reads beside app/ at run time
(scripts/ for `consentgate seed`, scenarios/ for the web's policy lab) is in the image too.
Nothing here builds the image: it reads the Dockerfile, the Makefile and pyproject.toml."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Folders of the checkout that are not part of the installed `app` package.
CHECKOUT_FOLDERS = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def runs() -> str:
    return "\n".join(rest for keyword, rest in instructions() if keyword == "RUN")


def test_the_image_runs_the_python_make_install_insists_on() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "sys.version_info[:2] == (3, 11)" in makefile
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11,<3.12"
    base = next(rest for keyword, rest in instructions() if keyword == "FROM")
    assert re.fullmatch(r"python:3\.11(-[a-z]+)?", base), base


def test_the_image_installs_the_pins_and_the_project_as_make_install_does() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements.lock" in makefile
    assert "pip install --no-cache-dir -r requirements-runtime.lock" in runs()
    # In place (editable), as the Makefile installs it: the code then finds what lies beside
    # app/ in the image as in a checkout (see the last test).
    assert re.search(r"pip install --quiet --no-deps .*-e \.$", makefile, re.MULTILINE)
    assert re.search(r"pip install --no-cache-dir --no-deps -e \.(\s|$)", runs()), runs()


def test_the_image_starts_the_entry_point_pyproject_declares() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    command = json.loads(next(rest for keyword, rest in instructions() if keyword == "CMD"))
    assert command[0] in scripts and scripts[command[0]] == "app.cli:main"
    assert command[1] == "serve"


def test_what_the_code_reads_beside_app_is_copied_into_the_image() -> None:
    from app.web.lab_run import LAB_SCENARIO

    needed = {LAB_SCENARIO.relative_to(ROOT).parts[0]}
    for source in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            needed |= {n.split(".")[0] for n in names} & CHECKOUT_FOLDERS
    copied = {rest.split()[0].rstrip("/") for keyword, rest in instructions() if keyword == "COPY"}
    assert "scripts" in needed  # `consentgate seed` imports scripts.seed
    assert needed <= copied, f"the image lacks {sorted(needed - copied)}"
