"""Every preset loads and serves GET /policy; a TOML file starts from a preset and overrides
parameters, and every mistake in it is refused with the key named."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from app.main import create_app
from app.policies import load_policy, preset_names
from app.policies.registry import PolicyFileError, PolicyNotFound
from tests.conftest import TEST_SECRET

PRESETS = [
    "privacy-by-design",
    "ring-2018",
    "ring-2019",
    "ring-rfa-2021",
    "legal-only-2024",
    "axon-2025",
    "warrant-only",
]


def test_the_issue_presets_are_all_registered() -> None:
    assert sorted(PRESETS) == preset_names()


@contextmanager
def serve(tmp_path: Path, policy: str) -> Iterator[TestClient]:
    settings = Settings(
        env="test",
        db_path=tmp_path / "p.db",
        secret=TEST_SECRET,
        secret_file=tmp_path / "s.key",
        policy=policy,
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.runtime.db.dispose()


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_serves_get_policy(tmp_path: Path, name: str) -> None:
    with serve(tmp_path, name) as client:
        answer = client.get("/policy").json()
    policy = load_policy(name)
    assert answer["name"] == name
    assert answer["parameters"] == policy.params.as_dict()
    assert answer["parameter_hash"] == policy.params.digest()
    assert answer["description"]
    # Each preset's module cites the public facts it encodes.
    module = __import__(f"app.policies.{name.replace('-', '_')}", fromlist=["POLICY"])
    assert module.__doc__ and len(module.__doc__) > 200


def test_presets_differ_where_history_did() -> None:
    p = {n: load_policy(n).params for n in PRESETS}
    assert p["ring-2018"].map_mode.value == "heatmap" and p["ring-2019"].map_mode.value == "none"
    assert p["ring-2018"].response_stats.value == "raw"
    assert p["ring-rfa-2021"].moderation and p["ring-rfa-2021"].max_area_sq_mi == 0.5
    assert not p["legal-only-2024"].consent_requests and p["legal-only-2024"].warrants
    assert p["axon-2025"].federal_agencies_excluded and p["axon-2025"].verified_agencies_only
    assert p["warrant-only"].warrants and not p["warrant-only"].emergency_disclosure
    pbd = p["privacy-by-design"]
    assert pbd.map_mode.value == "noisy" and pbd.encrypt_new_residents
    assert not (pbd.emergency_disclosure or pbd.warrants or pbd.subpoenas)
    assert len({q.digest() for q in p.values()}) == len(PRESETS)


GOOD = """
base = "ring-rfa-2021"
name = "rfa-k10"
description = "RFA with a coarser map"

[parameters]
map_mode = "k_anonymous"
map_k = 10
cooling_off_minutes = 30
map_epsilon = 2
"""


def test_toml_policy_overrides_a_preset(tmp_path: Path) -> None:
    path = tmp_path / "rfa.toml"
    path.write_text(GOOD)
    policy = load_policy(str(path))
    base = load_policy("ring-rfa-2021").params
    assert policy.name == "rfa-k10"
    assert policy.params.map_k == 10 and policy.params.cooling_off_minutes == 30
    assert policy.params.map_epsilon == 2.0 and isinstance(policy.params.map_epsilon, float)
    assert policy.params.moderation == base.moderation  # the rest comes from the base
    with serve(tmp_path, str(path)) as client:
        answer = client.get("/policy").json()
    assert answer["name"] == "rfa-k10" and answer["parameters"]["map_k"] == 10


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('base = "ring-2018"\n[parameters]\nmap_k = 0\n', "parameters.map_k"),
        ('base = "ring-2018"\n[parameters]\nmapk = 3\n', "parameters.mapk"),
        ('[parameters]\nmap_mode = "blurry"\n', "parameters.map_mode"),
        ('[parameters]\nmap_epsilon = "high"\n', "parameters.map_epsilon"),
        ("[parameters]\nmoderation = 1\n", "parameters.moderation"),
        ('base = "ring-2030"\n', "base"),
        ('bsae = "ring-2018"\n', "bsae"),
        ("parameters = 3\n", "parameters"),
        ('name = ""\n', "name"),
        ('base = "ring-2018\n', "syntax"),
    ],
)
def test_toml_mistakes_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PolicyFileError) as caught:
        load_policy(str(path))
    assert caught.value.key == key
    assert f": {key}: " in str(caught.value) and str(path) in str(caught.value)


def test_missing_file_and_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError) as caught:
        load_policy(str(tmp_path / "nope.toml"))
    assert caught.value.key == "file"
    with pytest.raises(PolicyNotFound):
        load_policy("ring-1999")


def test_cli_refuses_a_bad_policy_file_by_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSENTGATE_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / "bad.toml"
    path.write_text("[parameters]\nretention_days = 0\n")
    result = CliRunner().invoke(cli, ["serve", "--policy", str(path)])
    assert result.exit_code == 2
    assert "parameters.retention_days" in result.output and "outside" in result.output


@pytest.mark.parametrize("columns", ["80", "120"])
def test_policy_list_fits_the_terminal_whole(columns: str) -> None:
    """Seven presets side by side at 80 columns cut every name and value ("ri…", "Tr…"): the
    list now prints as many presets a table as fit, each cell whole."""
    listed = CliRunner().invoke(cli, ["policy", "list"], env={"COLUMNS": columns})
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert "…" not in listed.output and max(map(len, lines)) <= int(columns)
    headers = [line for line in lines if "parameter" in line]
    assert all(sum(f" {name} " in h for h in headers) == 1 for name in PRESETS), headers


def test_policy_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli, ["policy", "list"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0
    assert all(name in listed.output for name in PRESETS)
    diffed = runner.invoke(
        cli, ["policy", "diff", "ring-2018", "ring-2019"], env={"COLUMNS": "200"}
    )
    assert diffed.exit_code == 0
    assert "map_mode" in diffed.output and "heatmap" in diffed.output
    assert "retention_days" not in diffed.output  # the same in both
    same = runner.invoke(cli, ["policy", "diff", "ring-2019", "ring-2019"])
    assert same.exit_code == 0
    assert same.output == "no differences: ring-2019 and ring-2019 have the same parameters\n"
    tagged = tmp_path / "tagged.toml"  # a name rich read as a closing tag: a MarkupError
    tagged.write_text('name = "[/x]"\n[parameters]\nmap_k = 9\n')
    diffed = runner.invoke(cli, ["policy", "diff", str(tagged), "privacy-by-design"])
    assert diffed.exit_code == 0 and "[/x] vs privacy-by-design" in diffed.output, diffed.output
    shown = runner.invoke(cli, ["policy", "show", "ring-2019"])
    assert shown.exit_code == 0
    assert json.loads(shown.output)["parameter_hash"] == load_policy("ring-2019").params.digest()
    good = tmp_path / "good.toml"
    good.write_text(GOOD)
    checked = runner.invoke(cli, ["policy", "check", str(good)])
    assert checked.exit_code == 0 and "ok: rfa-k10" in checked.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[parameters]\nmap_mode = "blurry"\n')
    refused = runner.invoke(cli, ["policy", "check", str(bad)])
    assert refused.exit_code == 2
    assert "parameters.map_mode" in refused.output and "blurry" in refused.output
