"""The two lock files: requirements-runtime.lock (the Docker image) and requirements.lock
(development and CI). Each must pin everything it brings in, and agree with the other."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
# Installer tooling the venv holds but nothing imports at run time.
NOT_PINNED = {"pip", "consentgate"}


def pins(name: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            package, version = line.split("==")
            out[canonicalize_name(package)] = version
    return out


def project_requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(r) for r in listed]


def closure(roots: list[Requirement]) -> set[str]:
    """Every distribution the roots need here, following installed metadata and markers."""
    seen: set[str] = set()
    todo = [(r, frozenset(r.extras)) for r in roots]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen and not extras:
            continue
        seen.add(name)
        for text in metadata.requires(req.name) or []:
            child = Requirement(text)
            wanted = any(
                child.marker is None or child.marker.evaluate({**default_environment(), "extra": e})
                for e in (extras or {""})
            )
            if wanted:
                todo.append((child, frozenset(child.extras)))
    return seen


def test_the_runtime_lock_pins_the_whole_runtime_closure() -> None:
    runtime = pins("requirements-runtime.lock")
    needed = closure(project_requirements())
    assert not needed - runtime.keys(), f"runtime needs unpinned {sorted(needed - runtime.keys())}"


def test_the_development_lock_repeats_the_runtime_pins_exactly() -> None:
    runtime, full = pins("requirements-runtime.lock"), pins("requirements.lock")
    differ = {n: (v, full.get(n)) for n, v in runtime.items() if full.get(n) != v}
    assert not differ, f"runtime pin differs or is missing in requirements.lock: {differ}"


def test_everything_installed_here_is_pinned_at_its_version() -> None:
    # The development lock is complete: installing it brings in nothing unpinned (tzdata once
    # came in through python-dateutil without a pin).
    full = pins("requirements.lock")
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    loose = {n: v for n, v in installed.items() if n not in NOT_PINNED and full.get(n) != v}
    assert not loose, f"installed but not pinned (or at another version): {loose}"
