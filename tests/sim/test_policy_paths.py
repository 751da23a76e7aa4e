"""A relative policy file path is read from the folder of the file that names it, as a sweep's
`scenario` and a scenario's `policy.file` are: a sweep's `policies` from the sweep file's
folder, a scenario's `policy.name` from the scenario file's. A command then works from any
current folder. `--policies` and `--policy`, typed on the command line, stay relative to the
current folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.policies.registry import load_policy
from tests.sim.test_policy_file_changes import MODERATED, write_town


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A current folder holding none of the files."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def parameter_hashes(out: Path) -> set[str]:
    """The parameter hash of every run's policy in a compare or sweep folder."""
    return {
        policy["parameter_hash"]
        for manifest in (out / "runs").rglob("rep-*/manifest.json")
        for policy in json.loads(manifest.read_text())["policies"]
    }


def test_a_sweeps_policies_are_read_beside_the_sweep_file(tmp_path: Path, elsewhere: Path) -> None:
    (tmp_path / "pbd-moderated.toml").write_text(MODERATED)
    write_town(tmp_path)
    path = tmp_path / "swp.toml"
    path.write_text(
        'scenario = "town.toml"\nreplications = 1\n'
        'policies = ["pbd-moderated.toml", "privacy-by-design"]\n'
        '[parameters]\n"resident_behaviour.subscription_rate" = [0.3]\n'
    )
    code, output = invoke("sweep", str(path), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert code == 0, output
    with (tmp_path / "out" / "sweep.csv").open() as f:
        assert {row["policy"] for row in csv.DictReader(f)} == {
            "pbd-moderated.toml",  # as written: the outputs do not depend on the folder
            "privacy-by-design",
        }
    moderated = load_policy(str(tmp_path / "pbd-moderated.toml")).params.digest()
    assert moderated in parameter_hashes(tmp_path / "out")


def test_a_scenarios_policy_is_read_beside_the_scenario_file(
    tmp_path: Path, elsewhere: Path
) -> None:
    # The sweep in one folder, its scenario and the scenario's policy file in another.
    (tmp_path / "town").mkdir()
    (tmp_path / "sweeps").mkdir()
    (tmp_path / "town" / "pbd-moderated.toml").write_text(MODERATED)
    town = write_town(tmp_path / "town", "pbd-moderated.toml")
    path = tmp_path / "sweeps" / "swp.toml"
    path.write_text(
        'scenario = "../town/town.toml"\nreplications = 1\n'
        '[parameters]\n"resident_behaviour.subscription_rate" = [0.3]\n'
    )
    moderated = load_policy(str(tmp_path / "town" / "pbd-moderated.toml")).params.digest()
    code, output = invoke("sweep", str(path), "--out", str(tmp_path / "s"), "--jobs", "1")
    assert code == 0, output
    assert parameter_hashes(tmp_path / "s") == {moderated}
    code, output = invoke("simulate", str(town), "--out", str(tmp_path / "one"))
    assert code == 0, output
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["policies"][0]["parameter_hash"] == moderated
    # compare runs its --policies; the scenario's own policy is still read, and found.
    code, output = invoke(
        "compare", str(town), "--policies", "ring-2019", "--replications", "1",
        "--out", str(tmp_path / "cmp"),
    )  # fmt: skip
    assert code == 0, output


def test_command_line_policies_stay_relative_to_the_current_folder(
    tmp_path: Path, elsewhere: Path
) -> None:
    (elsewhere / "mine.toml").write_text(MODERATED)
    (tmp_path / "town").mkdir()
    town = write_town(tmp_path / "town")
    out = tmp_path / "cmp"
    code, output = invoke(
        "compare", str(town), "--policies", "mine.toml", "--replications", "1", "--out", str(out)
    )
    assert code == 0, output
    assert parameter_hashes(out) == {load_policy(str(elsewhere / "mine.toml")).params.digest()}


def test_a_missing_policy_file_is_named_where_it_was_looked_for(
    tmp_path: Path, elsewhere: Path
) -> None:
    write_town(tmp_path)
    path = tmp_path / "swp.toml"
    path.write_text(
        'scenario = "town.toml"\npolicies = ["nope.toml"]\n'
        '[parameters]\n"resident_behaviour.subscription_rate" = [0.3]\n'
    )
    code, output = invoke("sweep", str(path), "--out", str(tmp_path / "out"))
    assert code == 2, output
    assert f"policy file {tmp_path / 'nope.toml'}: file: does not exist" in output
