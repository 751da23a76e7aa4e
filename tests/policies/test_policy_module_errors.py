"""A `module:ATTRIBUTE` policy that cannot be loaded is an error naming the policy at every
entry point, never a traceback.

Found by an exploratory review: an empty or relative module name (`:`, `:X`, `.foo:X`) was
importlib's ValueError or TypeError through `policy show`, `serve`, CONSENTGATE_POLICY,
`simulate`, `compare`, `tick`, a sweep's `policies` and a scenario's `policy.name` (only
`verify` caught it); a researcher's module with a SyntaxError, or raising as it is imported,
was a raw traceback everywhere."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.policies.registry import NotAPolicy, PolicyImportError, PolicyNotFound, load_policy
from tests.policies.helpers import policy_cli_place, refused_by_cli

ROOT = Path(__file__).resolve().parents[2]


def said(output: str) -> str:
    return " ".join(output.split())


@pytest.mark.parametrize(("name", "why"), [(":", "empty"), (":X", "empty"), (".foo:X", "relative")])
def test_an_empty_or_relative_module_name_is_an_unknown_policy(name: str, why: str) -> None:
    with pytest.raises(PolicyNotFound) as caught:
        load_policy(name)
    assert f"unknown policy {name!r}" in str(caught.value)
    assert f"the module name before ':' is {why}" in str(caught.value)


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return policy_cli_place(tmp_path, monkeypatch, bad_name=":", bad_file="colon.toml")


@pytest.mark.parametrize(
    ("args", "env", "key"),
    [
        (["policy", "show", ":"], {}, "policy"),
        (["policy", "check", ".foo:X"], {}, "policy"),
        (["serve", "--policy", ":"], {}, "policy"),
        (["serve"], {"CONSENTGATE_POLICY": ":"}, "policy"),
        (["simulate", "town.toml", "--policy", ":"], {}, "--policy"),
        (["compare", "town.toml", "--policies", "privacy-by-design,:"], {}, "--policies"),
        (["tick", "--policy", ":"], {}, "policy"),
        (["sweep", "sweep.toml"], {}, "policies"),
        (["simulate", "colon.toml"], {}, "policy.name"),
    ],
)
def test_every_entry_point_names_the_policy(
    place: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    key: str,
) -> None:
    output = refused_by_cli(monkeypatch, args, env)
    assert output.startswith(f"error: {key}: unknown policy ")
    assert "module name before ':' is" in output


@pytest.fixture
def own_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on the path for a researcher's modules, forgotten again afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("cg_test_own_")]:
        del sys.modules[name]


@pytest.mark.parametrize(
    ("source", "says", "line"),
    [
        ("def broken(:\n    pass\n", "SyntaxError: invalid syntax", 1),
        ("import math\n\nraise RuntimeError('no config file')\n", "RuntimeError: no config", 3),
        ("VALUES = {}\nLIMIT = VALUES['limit']\n", "KeyError: 'limit'", 2),
    ],
)
def test_a_module_failing_at_import_is_named_with_its_reason(
    own_module: Path, source: str, says: str, line: int
) -> None:
    module = f"cg_test_own_{line}"
    path = own_module / f"{module}.py"
    path.write_text(source)
    with pytest.raises(PolicyImportError) as caught:
        load_policy(f"{module}:POLICY")
    assert str(caught.value).startswith(
        f"policy '{module}:POLICY': importing '{module}' failed: {says}"
    )
    assert str(caught.value).endswith(f"(at {path}, line {line})")
    assert isinstance(caught.value, PolicyNotFound)  # every command already reports those
    result = CliRunner().invoke(cli, ["policy", "check", f"{module}:POLICY"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert said(result.output).startswith(f"error: policy: policy '{module}:POLICY': importing")


def test_a_class_whose_constructor_raises_is_not_a_policy(own_module: Path) -> None:
    (own_module / "cg_test_own_class.py").write_text(
        "class Mine:\n    def __init__(self):\n        raise ValueError('needs a config')\n"
    )
    with pytest.raises(NotAPolicy) as caught:
        load_policy("cg_test_own_class:Mine")
    assert "making the class raised ValueError: needs a config" in str(caught.value)
