"""The command line prints what it is given as it is: its consoles read no rich markup.

Found in review: `consentgate token '[/x]'` was a MarkupError traceback (the role was quoted
into a markup string unescaped), and `seed --env-file 'out/[bold]/demo.env'` told the user to
`source out//demo.env` (rich took "[bold]" for a style). app/cli_console.py: no markup, the one
coloured word a styled piece of text."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONSENTGATE_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path


@pytest.mark.parametrize("role", ["[/x]", "[bold]agency"])
def test_a_role_in_brackets_is_refused_as_typed(env: Path, role: str) -> None:
    result = CliRunner().invoke(cli, ["token", role])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert " ".join(result.output.split()) == (
        f"error: role: {role!r} is not one of operator, agency, resident, auditor"
    )


def test_seed_names_an_env_file_in_brackets_as_it_is(env: Path) -> None:
    folder = env / "[bold]"
    folder.mkdir()
    result = CliRunner().invoke(cli, ["seed", "--env-file", str(folder / "demo.env")])
    assert result.exit_code == 0, result.output
    assert (folder / "demo.env").is_file()
    assert f"`source {folder / 'demo.env'}`" in result.output
