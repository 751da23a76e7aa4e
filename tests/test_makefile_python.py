"""`make install` makes the virtualenv with the interpreter it chose, and makes it again when that
interpreter changes: the Makefile prefers Debian's optimised python3.11 (docs/performance.md,
"The interpreter"), so a checkout whose .venv a plain build made must not keep it silently.
These run make with -n (print, do not run) or stop it at its first command: nothing is built."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

MAKE = shutil.which("make")

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def make(*args: str) -> subprocess.CompletedProcess[str]:
    assert MAKE is not None
    return subprocess.run(  # noqa: S603  (make on our own Makefile, the tests' arguments)
        [MAKE, "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def planned_install(python: str) -> str:
    # A stamp that cannot exist yet: `always-make` plans the whole recipe whatever is built.
    result = make("-n", "--always-make", "install", f"PY={python}")
    assert result.returncode == 0, result.stderr
    return result.stdout


def stamp(plan: str) -> str:
    found = re.findall(r"touch \.venv/(\.installed-\w+)", plan)
    assert len(found) == 1, plan
    return found[0]


def test_the_venv_is_made_with_the_chosen_interpreter_and_cleared_first() -> None:
    plan = planned_install("/opt/some/python3.11")
    assert "/opt/some/python3.11 -m venv --clear .venv" in plan


def test_another_interpreter_names_another_stamp_so_the_venv_is_made_again() -> None:
    # The stamp is what make compares: the same name for two interpreters would keep a venv
    # made by the first when the second is asked for.
    first = stamp(planned_install("/opt/a/python3.11"))
    assert stamp(planned_install("/opt/b/python3.11")) != first
    assert stamp(planned_install("/opt/a/python3.11")) == first


def test_no_usable_interpreter_is_said_plainly_before_anything_is_touched() -> None:
    result = make("install", "PY=")
    assert result.returncode != 0
    assert "no Python 3.11 that can make a virtualenv" in result.stdout + result.stderr
    assert "-m venv" not in result.stdout
