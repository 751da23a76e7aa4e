"""An empty policy name is refused as empty, naming the option or key, at every entry point.

Found by a review: `policy show ""` said "policy file .: file: is a folder, not a file" (the
empty name was read as a path, the current folder), as did `serve --policy ""`,
CONSENTGATE_POLICY="", `tick`, `verify`, `compare --baseline ""`, a sweep's `policies = [""]`
and a scenario's `policy.name = ""` (the scenario's folder); `simulate --policy ""` quietly ran
the scenario's own policy instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.policies.registry import PolicyNotFound, load_policy
from tests.policies.helpers import policy_cli_place, refused_by_cli

ROOT = Path(__file__).resolve().parents[2]
EMPTY = "must not be empty: name a preset ("


def said(output: str) -> str:
    return " ".join(output.split())


@pytest.mark.parametrize("folder", [None, ROOT / "scenarios"])
@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_name_is_refused_as_empty(name: str, folder: Path | None) -> None:
    with pytest.raises(PolicyNotFound) as caught:  # what every caller already catches
        load_policy(name, folder)
    assert str(caught.value).startswith("must not be empty")
    assert "folder" not in str(caught.value)


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return policy_cli_place(tmp_path, monkeypatch, bad_name="", bad_file="unnamed.toml")


@pytest.mark.parametrize(
    ("args", "env", "key"),
    [
        (["policy", "show", ""], {}, "policy"),
        (["policy", "check", ""], {}, "policy"),
        (["policy", "diff", "ring-2018", ""], {}, "policy"),
        (["serve", "--policy", ""], {}, "policy"),
        (["serve"], {"CONSENTGATE_POLICY": ""}, "policy"),
        (["tick", "--policy", ""], {}, "policy"),
        (["simulate", "town.toml", "--policy", ""], {}, "--policy"),
        (["compare", "town.toml", "--policies", "ring-2018", "--baseline", ""], {}, "--baseline"),
        (["sweep", "sweep.toml"], {}, "policies"),
        (["simulate", "unnamed.toml"], {}, "policy.name"),
        (["verify", "--policy", ""], {}, "--policy"),
        (["audit", "replay", "--policy", ""], {}, "--policy"),
    ],
)
def test_every_entry_point_refuses_an_empty_name(
    place: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    key: str,
) -> None:
    output = refused_by_cli(monkeypatch, args, env)
    assert output.startswith(f"error: {key}: {EMPTY}"), output
    assert not (place / "runs").exists()  # nothing ran
