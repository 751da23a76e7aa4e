"""`consentgate audit export / verify`: the auditor's walkthrough, and bad input refused."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.audit.keys import LogKeyError, load_signer
from app.cli import cli
from app.config import Settings
from app.main import create_app
from app.runtime import Runtime
from app.workflow import operator
from app.workflow.context import SYSTEM


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONSENTGATE_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CONSENTGATE_LOG_KEY", raising=False)
    runtime = Runtime.build(Settings())
    for i in range(6):
        runtime.write(
            lambda ctx, i=i: operator.create_resident(
                ctx, SYSTEM, name=f"R{i}", contact=f"r{i}@example.org"
            )
        )
    runtime.db.dispose()
    load_signer(Settings())  # the log key `serve` makes on its first start
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_export_tamper_and_watch_the_verifier_name_the_entry(env: Path) -> None:
    code, key = _run("audit", "key")
    assert code == 0
    (env / "pinned.pub").write_text(key)
    code, saved = _run("audit", "checkpoint")
    assert code == 0 and saved.splitlines()[1] == "6"
    (env / "saved.note").write_text(saved)

    code, output = _run("audit", "export", str(env / "bundle"))
    assert code == 0, output
    tagged = env / "[study]" / "[/x]"  # rich read these as a style and a closing tag
    code, output = _run("audit", "export", str(tagged))
    assert code == 0 and f"checkpoint to {tagged}" in " ".join(output.split()), output
    pinned = str(env / "pinned.pub")
    code, output = _run(
        "audit",
        "verify",
        str(env / "bundle"),
        "--key",
        pinned,
        "--checkpoint",
        str(env / "saved.note"),
    )
    assert code == 0 and "verified" in output and "6 entries" in output, output

    shutil.copytree(env / "bundle", env / "copy")
    entries = (env / "copy" / "entries.jsonl").read_text().splitlines()
    edited = json.loads(entries[3])
    edited["actor"] = "operator:someone-else"
    entries[3] = json.dumps(edited)
    (env / "copy" / "entries.jsonl").write_text("\n".join(entries) + "\n")
    code, output = _run("audit", "verify", str(env / "copy"), "--key", pinned)
    assert code == 1
    assert "FAILED at entry 3" in output and "altered" in output

    del entries[4]
    (env / "copy" / "entries.jsonl").write_text("\n".join(entries[:3]) + "\n")
    code, output = _run("audit", "verify", str(env / "copy"), "--key", pinned)
    assert code == 1 and "FAILED at entry 3" in output and "truncated" in output


def test_a_line_that_gives_a_key_twice_does_not_verify(env: Path) -> None:
    """A forged `data` put in front of line 5's own: Python's reader kept the last (the real
    one, which matches the hashes), so the bundle verified, while a reader keeping the first
    shows the forged name."""
    _, key = _run("audit", "key")
    _run("audit", "export", str(env / "bundle"))
    path = env / "bundle" / "entries.jsonl"
    entries = path.read_text().splitlines()
    assert entries[4].startswith("{")
    entries[4] = '{"data": {"name": "FORGED Police"}, ' + entries[4][1:]
    path.write_text("\n".join(entries) + "\n")
    code, output = _run("audit", "verify", str(env / "bundle"), "--key", key.strip())
    assert code == 1, output
    said = " ".join(output.split())
    assert "FAILED at entry 4" in said, said
    assert 'line 5 (where entry 4 belongs) gives the key "data" more than once' in said, said


def test_bad_input_is_refused_clearly(env: Path) -> None:
    _, key = _run("audit", "key")
    _run("audit", "export", str(env / "bundle"))
    bundle = str(env / "bundle")

    code, output = _run("audit", "verify", str(env / "nowhere"), "--key", key.strip())
    assert code == 2 and "not a bundle directory" in output

    code, output = _run("audit", "verify", bundle, "--key", "not-a-key")
    assert code == 2 and "pinned key" in output

    other_key = "other.example+00000000+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    code, output = _run("audit", "verify", bundle, "--key", other_key)
    assert code == 2 and "does not match" in output

    code, output = _run(
        "audit", "verify", bundle, "--key", key.strip(), "--checkpoint", str(env / "none.note")
    )
    assert code == 2 and "no saved checkpoint there" in output

    (env / "bundle" / "entries.jsonl").write_text('{"seq": 0}\nnot json\n')
    code, output = _run("audit", "verify", bundle, "--key", key.strip())
    assert code == 1 and "FAILED at entry 0" in output and "field" in output

    (env / "bundle" / "checkpoint").write_bytes(b"\xff\xfe")
    code, output = _run("audit", "verify", bundle, "--key", key.strip())
    assert code == 2 and "not UTF-8" in output


def test_verify_names_the_input_at_fault(env: Path) -> None:
    _, key = _run("audit", "key")
    _run("audit", "export", str(env / "bundle"))
    bundle, pinned = str(env / "bundle"), key.strip()

    code, output = _run("audit", "verify", bundle, "--key", str(env / "missing.pub"))
    assert code == 2 and output.startswith("error: --key: ") and "no pinned key file" in output

    # The operator's signer key (var/log.key) handed over by mistake: named as such.
    signer = env / "log.key"
    assert signer.read_text().startswith("PRIVATE+KEY+")
    code, output = _run("audit", "verify", bundle, "--key", str(signer))
    assert code == 2 and output.startswith("error: --key: ") and "signer (private) key" in output

    # A saved checkpoint that is not one is the auditor's input, unreadable: 2, not FAILED.
    (env / "notes.txt").write_text("my notes\n")
    code, output = _run(
        "audit", "verify", bundle, "--key", pinned, "--checkpoint", str(env / "notes.txt")
    )
    assert code == 2 and output.startswith("error: --checkpoint: "), output
    assert "notes.txt: not a checkpoint signed by the pinned key" in output


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "checkpoint"],
        ["audit", "replay"],
        ["audit", "export", "BUNDLE"],
        ["report", "transparency"],
    ],
)
def test_a_database_that_is_not_there_is_refused_not_created(env: Path, command: list[str]) -> None:
    # A mistyped --db used to create an empty database, whose empty log then verified,
    # replayed and reported as cleanly as an honest one.
    args = [str(env / "bundle") if part == "BUNDLE" else part for part in command]
    typo = env / "cli.dbb"
    code, output = _run(*args, "--db", str(typo))
    assert code == 2 and output == f"error: --db: {typo}: no database there\n"
    assert not typo.exists()

    (env / "notes.txt").write_text("not a database\n" * 20)
    code, output = _run(*args, "--db", str(env / "notes.txt"))
    assert code == 2, output
    assert (
        output.startswith("error: --db: ") and "cannot be read as a consentgate database" in output
    )
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "command", [["audit", "key"], ["audit", "checkpoint"], ["report", "transparency"]]
)
def test_a_sqlite_database_url_naming_no_file_is_refused_not_created(
    env: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """Without --db, only CONSENTGATE_DB_PATH was checked: DATABASE_URL=sqlite:///missing.db
    opened (and so created) an empty database, whose empty log reads as an honest one."""
    missing = env / "missing.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    code, output = _run(*command)
    assert code == 2, output
    assert output == "error: DATABASE_URL: no database at the SQLite file it names\n"
    assert not missing.exists()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{env / 'cli.db'}")  # the one that is there
    code, output = _run(*command)
    assert code == 0, output


def test_production_requires_a_configured_log_key(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSENTGATE_ENV", "production")
    monkeypatch.setenv("CONSENTGATE_SECRET", "s" * 40)
    code, output = _run("audit", "key")
    assert code == 2 and "CONSENTGATE_LOG_KEY is required in production" in output
    with pytest.raises(LogKeyError, match="required in production"):
        create_app(Settings())  # the service refuses to start as well
    code, output = _run("audit", "keygen", "--origin", "consentgate.example/audit-log")
    assert code == 0
    monkeypatch.setenv("CONSENTGATE_LOG_KEY", output.splitlines()[0].split("=", 1)[1])
    code, output = _run("audit", "key")
    assert code == 0 and output.startswith("consentgate.example/audit-log+")


def test_an_entry_deleted_from_the_database_is_exported_as_a_gap(env: Path) -> None:
    # The bundle holds what the database holds, once each: the verifier then names the gap.
    # (Reading by count used to fetch the entry after a gap twice, or stop at a whole page.)
    with sqlite3.connect(env / "cli.db") as connection:
        connection.execute("DELETE FROM audit_entry WHERE seq = 2")
    _, key = _run("audit", "key")
    code, output = _run("audit", "export", str(env / "bundle"))
    assert code == 0, output
    lines = (env / "bundle" / "entries.jsonl").read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [0, 1, 3, 4, 5]
    code, output = _run("audit", "verify", str(env / "bundle"), "--key", key.strip())
    assert code == 1 and "FAILED at entry 2" in output
    assert "entry 2 is missing (line 3 holds entry 3)" in output


@pytest.mark.parametrize(
    "command",
    [["audit", "checkpoint"], ["audit", "replay"], ["report", "transparency"]],
)
def test_a_read_only_command_never_migrates_the_database_it_reads(
    env: Path, command: list[str]
) -> None:
    """An audit must not change what it audits: a database behind the code's schema, or one
    with no consentgate tables, is refused as it is (it used to be upgraded, or filled with
    empty tables, by the auditor's command)."""
    database = env / "cli.db"
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '0002'")
    code, output = _run(*command)
    assert code == 2, output
    assert "is at schema revision 0002, older than this version's" in output
    assert "never migrates" in output
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0002",)
        ]
    empty = env / "empty.db"
    sqlite3.connect(empty).close()
    code, output = _run(*command, "--db", str(empty))
    assert code == 2 and "holds no consentgate tables" in output, output
    with closing(sqlite3.connect(empty)) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == []


@pytest.mark.parametrize(
    ("folder", "at_fault", "says"),
    [
        ("afile", "afile", "is a file, not a folder"),
        ("afile/bundle", "afile", "is a file, not a folder, so {tmp}/afile/bundle cannot be made"),
    ],
)
def test_an_export_folder_that_cannot_be_made_is_said_in_words(
    env: Path, folder: str, at_fault: str, says: str
) -> None:
    """It was `error: afile: [Errno 17] File exists: 'afile'` (exploratory review)."""
    (env / "afile").write_text("mine")
    code, output = _run("audit", "export", str(env / folder))
    assert code == 2, output
    said = " ".join(output.split())
    assert said.startswith(f"error: {env / at_fault}: {says.format(tmp=env)}")
    assert "Errno" not in said
    assert (env / "afile").read_text() == "mine"
