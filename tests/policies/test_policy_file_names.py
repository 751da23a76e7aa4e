"""A policy file, or a `module:ATTRIBUTE` policy, may not take a preset's name.

Found by an exploratory review: `base = "ring-2018"` with `name = "ring-2019"` was accepted, so
logs, manifests and GET /policy named ring-2019 for rules that were not ring-2019's. A module
policy named `privacy-by-design` was still accepted, with the same confusion."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.policies.base import StandardPolicy
from app.policies.params import PolicyParams
from app.policies.registry import PRESETS, PolicyFileError, PolicyNotFound, load_policy


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_a_file_named_as_a_preset_is_refused(tmp_path: Path, preset: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(f'base = "ring-2018"\nname = "{preset}"\n')
    with pytest.raises(PolicyFileError) as caught:
        load_policy(str(path))
    assert caught.value.problems == [
        ("name", f"{preset!r} is a preset's name; give the policy a name of its own")
    ]


def test_the_same_parameters_under_the_presets_name_are_refused_too(tmp_path: Path) -> None:
    """One rule, no exception for a file equal to its base: the preset is there to be named."""
    path = tmp_path / "mine.toml"
    path.write_text('base = "ring-2019"\nname = "ring-2019"\n')
    with pytest.raises(PolicyFileError):
        load_policy(str(path))


def test_a_file_whose_stem_is_a_presets_name_must_give_a_name(tmp_path: Path) -> None:
    path = tmp_path / "ring-2019.toml"
    path.write_text('base = "ring-2018"\n')
    result = CliRunner().invoke(cli, ["policy", "check", str(path)])
    assert result.exit_code == 2, result.output
    assert " ".join(result.output.split()) == (
        f"error: policy: policy file {path}: name: 'ring-2019' (the file's stem, as it gives no "
        "name) is a preset's name; give the policy a name of its own"
    )
    path.write_text('base = "ring-2018"\nname = "ring-2018-as-2019"\n')
    assert load_policy(str(path)).name == "ring-2018-as-2019"


# Module policies a researcher might write under a preset's name.
AS_DEFAULT = StandardPolicy("privacy-by-design", PolicyParams(map_k=10))
SAME_AS_RING_2018 = StandardPolicy("ring-2018", load_policy("ring-2018").params)


class AsRing2019(StandardPolicy):
    def __init__(self) -> None:
        super().__init__("ring-2019", PolicyParams(moderation=True))


@pytest.mark.parametrize(
    ("attribute", "preset"),
    [
        ("AS_DEFAULT", "privacy-by-design"),
        ("SAME_AS_RING_2018", "ring-2018"),  # one rule: equal parameters are refused too
        ("AsRing2019", "ring-2019"),  # a class, made with no arguments
    ],
)
def test_a_module_policy_named_as_a_preset_is_refused(attribute: str, preset: str) -> None:
    name = f"{__name__}:{attribute}"
    with pytest.raises(PolicyNotFound) as caught:
        load_policy(name)
    assert str(caught.value) == (
        f"policy {name!r}: name: {preset!r} is a preset's name; give the policy a name of its own"
    )
    result = CliRunner().invoke(cli, ["policy", "show", name])
    assert result.exit_code == 2, result.output
    assert " ".join(result.output.split()) == f"error: policy: {caught.value}"


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_a_presets_own_module_object_is_the_preset(preset: str) -> None:
    module = PRESETS[preset]
    assert load_policy(f"{module}:POLICY") is load_policy(preset)
