"""A run under a policy file (or module:ATTRIBUTE) depends on what the file says, not only on its
name: after the file is edited, `compare` redoes the runs under it, and a sweep's folder is
refused as another sweep's (as after an edit of the sweep file or its scenario), instead of
reusing results made under the old parameters beside a manifest naming the new ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.policies.registry import load_policy
from app.sim.batch import RunTask
from app.sim.compare import compare
from app.sim.scenario import load_scenario, read_scenario_data
from tests.sim.test_sweep_folder import snapshot

ROOT = Path(__file__).resolve().parents[2]
MODERATED = """base = "privacy-by-design"
name = "pbd-moderated"
[parameters]
moderation = true
cooling_off_minutes = 60
"""


def write_town(directory: Path, policy: str = "privacy-by-design") -> Path:
    text = (ROOT / "scenarios" / "smalltown.toml").read_text().replace("days = 42", "days = 7")
    town = directory / "town.toml"
    town.write_text(text.replace('name = "privacy-by-design"', f'name = "{policy}"', 1))
    return town


def edit_policy(path: Path) -> None:
    path.write_text(path.read_text().replace("cooling_off_minutes = 60", "cooling_off_minutes = 0"))


def sweep(path: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sweep", str(path), "--out", str(out), "--jobs", "1"])
    return result.exit_code, result.output


def test_a_task_key_covers_the_policy_files_content(tmp_path: Path) -> None:
    policy = tmp_path / "pbd-moderated.toml"
    policy.write_text(MODERATED)
    data = read_scenario_data(write_town(tmp_path, str(policy)))
    named = RunTask(tmp_path / "a", data, 1, str(policy))
    own = RunTask(tmp_path / "b", data, 1, None)  # the scenario's own policy: the same file
    before = (named.key(), own.key())
    assert before == (named.key(), own.key())  # deterministic
    edit_policy(policy)
    assert named.key() != before[0]
    assert own.key() != before[1]


def test_compare_redoes_the_runs_whose_policy_file_changed(tmp_path: Path) -> None:
    policy = tmp_path / "pbd-moderated.toml"
    policy.write_text(MODERATED)
    town = write_town(tmp_path)
    out = tmp_path / "cmp"

    def run() -> list[bool]:
        reused: list[bool] = []
        compare(
            load_scenario(town),
            read_scenario_data(town),
            [str(policy), "privacy-by-design"],
            replications=1,
            out=out,
            on_done=lambda _task, was: reused.append(was),
        )
        return reused

    assert run() == [False, False]
    assert run() == [True, True]  # nothing changed: both reused
    edit_policy(policy)
    assert sorted(run()) == [False, True]  # only the edited policy's run is redone
    folder = next(p for p in (out / "runs").iterdir() if p.name.endswith("moderated.toml"))
    stored = json.loads((folder / "rep-000" / "manifest.json").read_text())
    assert stored["policies"][0]["parameter_hash"] == load_policy(str(policy)).params.digest()


@pytest.mark.parametrize("listed", [True, False], ids=["sweep-policies", "scenario-policy"])
def test_a_sweep_whose_policy_file_changed_is_refused_in_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listed: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pbd-moderated.toml").write_text(MODERATED)
    write_town(tmp_path, "privacy-by-design" if listed else "pbd-moderated.toml")
    policies = 'policies = ["pbd-moderated.toml", "privacy-by-design"]\n' if listed else ""
    path = tmp_path / "swp.toml"
    path.write_text(
        f'scenario = "town.toml"\nreplications = 1\n{policies}'
        '[parameters]\n"resident_behaviour.subscription_rate" = [0.3]\n'
    )
    out = tmp_path / "out"
    assert sweep(path, out)[0] == 0
    code, output = sweep(path, out)
    assert code == 0 and "reused" in output, output
    before = snapshot(out)
    edit_policy(tmp_path / "pbd-moderated.toml")
    code, output = sweep(path, out)
    assert code == 2, output
    assert "--out" in output and "the policy pbd-moderated.toml" in output
    assert snapshot(out) == before  # nothing written, no stale result kept as new
