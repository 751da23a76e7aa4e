"""`make migration` writes app/migrations/versions/NNNN_<slug>.py, numbered after the newest
revision, as docs/migrations.md says and as 0001-0003 are; Alembic's own default is a random
id of twelve hex digits (e.g. cb9c05b50ce9_consent_add_scope_note.py)."""

from __future__ import annotations

import configparser
import os
import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("CONSENTGATE_TEST_PG_URL")), reason="a scratch SQLite file; ran on SQLite"
)


def scratch_config(tmp_path: Path) -> Config:
    """A copy of the migrations (env.py included), with alembic.ini's file name template and a
    scratch SQLite database: what `make migration` runs, away from the checkout's files."""
    scripts = tmp_path / "migrations"
    shutil.copytree(
        ROOT / "app" / "migrations", scripts, ignore=shutil.ignore_patterns("__pycache__")
    )
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "alembic.ini")
    config = Config()
    config.set_main_option("script_location", str(scripts))
    config.set_main_option("file_template", ini["alembic"]["file_template"])
    config.set_main_option("sqlalchemy.url", f"sqlite:///{tmp_path / 'scratch.db'}")
    return config


def test_a_new_migration_is_numbered_after_the_newest(tmp_path: Path) -> None:
    config = scratch_config(tmp_path)
    newest = ScriptDirectory.from_config(config).get_current_head()
    assert newest is not None and newest.isdigit()
    command.upgrade(config, "head")
    command.revision(config, message="consent: add scope note", autogenerate=True)

    expected = f"{int(newest) + 1:04d}"
    written = sorted(p.name for p in (tmp_path / "migrations" / "versions").glob("*.py"))
    assert f"{expected}_consent_add_scope_note.py" in written, written
    script = ScriptDirectory.from_config(config).get_revision(expected)
    assert script is not None and script.down_revision == newest


def test_an_explicit_rev_id_is_kept(tmp_path: Path) -> None:
    config = scratch_config(tmp_path)
    command.upgrade(config, "head")
    command.revision(config, message="mine", autogenerate=True, rev_id="0100")
    assert (tmp_path / "migrations" / "versions" / "0100_mine.py").exists()
