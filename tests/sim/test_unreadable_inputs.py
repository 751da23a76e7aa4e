"""A scenario, sweep or policy file that is a folder or not UTF-8 text is refused by name.

Found by an exploratory review: `simulate` and `sweep` given a folder ended in an
IsADirectoryError traceback (compare too), and a file in another encoding in a
UnicodeDecodeError traceback; `policy check` printed Python's codec message."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli

ROOT = Path(__file__).resolve().parents[2]
LATIN_1 = 'name = "caf\xe9"\n'.encode("latin-1")  # é is byte 0xe9 at offset 11


def said(output: str) -> str:
    return " ".join(output.split())


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "{f}"],
        ["sweep", "{f}"],
        ["compare", "{f}", "--policies", "ring-2019"],
        ["policy", "check", "{f}"],
    ],
)
@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("folder", "is a folder, not a file"),
        ("latin-1", "is not UTF-8 text (byte 0xe9 at offset 11); save it as UTF-8"),
    ],
)
def test_a_folder_or_another_encoding_is_named(
    tmp_path: Path, command: list[str], kind: str, reason: str
) -> None:
    given = tmp_path / "given.toml"
    if kind == "folder":
        given.mkdir()
    else:
        given.write_bytes(LATIN_1)
    result = CliRunner().invoke(cli, [a.format(f=given) for a in command])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    expected = (
        f"error: policy: policy file {given}: file: {reason}"
        if command[0] == "policy"
        else f"error: file: {given} {reason}"
    )
    assert said(result.output) == expected


def test_a_scenarios_policy_file_in_another_encoding_is_named(tmp_path: Path) -> None:
    town = (ROOT / "scenarios" / "smalltown.toml").read_text()
    assert '\n[policy]\nname = "privacy-by-design"\n' in town
    scenario = tmp_path / "town.toml"
    scenario.write_text(
        town.replace('\n[policy]\nname = "privacy-by-design"\n', '\n[policy]\nfile = "mine.toml"\n')
    )
    (tmp_path / "mine.toml").write_bytes(LATIN_1)
    result = CliRunner().invoke(cli, ["simulate", str(scenario)])
    assert result.exit_code == 2, result.output
    assert said(result.output) == (
        f"error: policy.file: {tmp_path / 'mine.toml'} is not UTF-8 text (byte 0xe9 at offset "
        "11); save it as UTF-8"
    )
