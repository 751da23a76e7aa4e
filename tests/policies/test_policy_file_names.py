"""A policy file may not take a preset's name.

Found by an exploratory review: `base = "ring-2018"` with `name = "ring-2019"` was accepted, so
logs, manifests and GET /policy named ring-2019 for rules that were not ring-2019's."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.policies.registry import PRESETS, PolicyFileError, load_policy


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
