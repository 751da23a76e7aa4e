"""`--out` and `--db` are checked before a run, and a failed `simulate` takes its database back.

Found by an exploratory review: `simulate --out afile/sub --db sub.db` (afile a file) ran the
whole year, then ended in a NotADirectoryError traceback, leaving sub.db behind so that the
rerun was refused ("already holds a database"); compare and sweep ended in tracebacks too."""

from __future__ import annotations

import errno
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.sim import engine, run, run_report
from tests.sim.test_sweep import GRID, write_sweep


def said(output: str) -> str:
    return " ".join(output.split())


def a_run_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any simulation reaching the engine fails the test: the refusal must come first."""

    def no_run(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the run started before its output folder was checked")

    monkeypatch.setattr(engine.Engine, "run_all", no_run)


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "{town}", "--db", "{db}"],
        ["compare", "{town}", "--policies", "ring-2019", "--replications", "1"],
        ["sweep", "{sweep}"],
    ],
)
def test_an_out_below_a_file_is_refused_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    sweep = write_sweep(tmp_path, GRID)
    a_run_is_a_failure(monkeypatch)
    (tmp_path / "afile").write_text("mine")
    db = tmp_path / "sub.db"
    args = [a.format(town=tmp_path / "town.toml", sweep=sweep, db=db) for a in command]
    target = tmp_path / "afile" / "sub"
    result = CliRunner().invoke(cli, [*args, "--out", str(target)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert said(result.output) == (
        f"error: --out: {tmp_path / 'afile'} is a file, not a folder, so {target} cannot be "
        "made in it"
    )
    assert not db.exists() and (tmp_path / "afile").read_text() == "mine"


def test_an_out_name_longer_than_a_file_system_takes_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_sweep(tmp_path, GRID)
    a_run_is_a_failure(monkeypatch)
    target = tmp_path / ("x" * 300)
    result = CliRunner().invoke(
        cli, ["simulate", str(tmp_path / "town.toml"), "--out", str(target)]
    )
    assert result.exit_code == 2, result.output
    assert "--out:" in said(result.output) and "longer than 255 bytes" in said(result.output)


@pytest.mark.parametrize(
    ("db", "words"),
    [
        ("folder", "is a folder, not a file"),
        ("afile/sub.db", "cannot be made: {tmp}/afile is a file, not a folder"),
    ],
)
def test_a_db_that_cannot_be_made_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str, words: str
) -> None:
    """A folder was "already holds a database"; a file in the way was a FileExistsError."""
    write_sweep(tmp_path, GRID)
    a_run_is_a_failure(monkeypatch)
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("mine")
    town = str(tmp_path / "town.toml")
    args = ["simulate", town, "--out", str(tmp_path / "out"), "--db", str(tmp_path / db)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert said(result.output).startswith(f"error: --db: {tmp_path / db} ")
    assert words.format(tmp=tmp_path) in said(result.output)


def simulate_into(tmp_path: Path, db: Path) -> Any:
    town = str(tmp_path / "town.toml")
    args = ["simulate", town, "--out", str(tmp_path / "out"), "--db", str(db)]
    return CliRunner().invoke(cli, args)


def test_a_run_whose_outputs_cannot_be_written_takes_its_database_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_sweep(tmp_path, GRID)
    db = tmp_path / "sub.db"

    def disk_full(*_args: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(run_report, "write_run_outputs", disk_full)
        result = simulate_into(tmp_path, db)
    assert result.exit_code == 1, result.output
    assert said(result.output) == (
        f"error: --out: {tmp_path / 'out'}: cannot be written (no space left on device); "
        f"the unfinished database {db} was removed"
    )
    assert sorted(p.name for p in tmp_path.glob("sub.db*")) == []
    again = simulate_into(tmp_path, db)  # the same command works once the disk has room
    assert again.exit_code == 0, again.output
    assert db.stat().st_size > 0


def test_an_interrupted_run_takes_its_database_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_sweep(tmp_path, GRID)
    db = tmp_path / "sub.db"
    real = run.Engine.run_all

    def interrupted(self: engine.Engine) -> Any:
        self.run(lambda _ctx: None)  # the schema is written: a database file exists
        assert (tmp_path / ".sub.db.partial").stat().st_size > 0 and not db.exists()
        raise KeyboardInterrupt

    monkeypatch.setattr(run.Engine, "run_all", interrupted)
    result = simulate_into(tmp_path, db)
    assert result.exit_code == 130, result.output
    assert said(result.output) == f"interrupted; the unfinished database {db} was removed"
    assert list(tmp_path.glob("sub.db*")) == []
    monkeypatch.setattr(run.Engine, "run_all", real)
    assert simulate_into(tmp_path, db).exit_code == 0


# Run in a process of its own, which kills itself outright once the year has begun: no handler
# runs, as after SIGKILL or the out-of-memory killer.
KILLED_MID_RUN = """
import os, signal, sys
from app.cli import cli
from app.sim import run

def killed(self):
    self.run(lambda _ctx: None)
    os.kill(os.getpid(), signal.SIGKILL)

run.Engine.run_all = killed
cli(sys.argv[1:])
"""


def test_a_run_killed_outright_leaves_no_database_to_serve(tmp_path: Path) -> None:
    """The year is written under a temporary name and renamed once finished: a killed run used
    to leave a half-simulated year under the name given, which `serve --db` served as whole
    and which refused the rerun. The rerun clears what the killed one left."""
    write_sweep(tmp_path, GRID)
    db = tmp_path / "sub.db"
    args = ["simulate", str(tmp_path / "town.toml"), "--out", str(tmp_path / "out")]
    killed = subprocess.run(  # noqa: S603  (this interpreter, a constant script)
        [sys.executable, "-c", KILLED_MID_RUN, *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not db.exists() and (tmp_path / ".sub.db.partial").stat().st_size > 0
    again = simulate_into(tmp_path, db)
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in tmp_path.glob("*sub.db*")) == ["sub.db"]
    with closing(sqlite3.connect(db)) as finished:  # the whole year, in the file itself
        (entries,) = finished.execute("SELECT count(*) FROM audit_entry").fetchone()
    assert entries > 0 and f"audit log: {entries} entries" in said(again.output)


def test_a_run_does_not_take_the_file_another_run_is_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second `simulate --db` on the same file while the first runs is refused: the
    temporary file is locked while it is written, and only a file nobody holds is a leftover
    to remove (removing a running one's would leave that run writing to a deleted file, and
    rename an empty one into place). Before, the second run was refused by the file itself."""
    write_sweep(tmp_path, GRID)
    db = tmp_path / "sub.db"
    inner: list[Any] = []

    def rival_starts_midway(self: engine.Engine) -> Any:
        self.run(lambda _ctx: None)
        monkeypatch.setattr(run.Engine, "run_all", real)
        inner.append(simulate_into(tmp_path, db))
        return real(self)

    real = run.Engine.run_all
    monkeypatch.setattr(run.Engine, "run_all", rival_starts_midway)
    first = simulate_into(tmp_path, db)
    assert first.exit_code == 0, first.output
    (second,) = inner
    assert second.exit_code == 2
    assert said(second.output) == (
        f"error: --db: {db} is being written by another run "
        f"({tmp_path / '.sub.db.partial'}); choose a new file"
    )
    with closing(sqlite3.connect(db)) as finished:
        (entries,) = finished.execute("SELECT count(*) FROM audit_entry").fetchone()
    assert f"audit log: {entries} entries" in said(first.output) and entries > 0


def test_a_database_in_a_folder_not_yet_made(tmp_path: Path) -> None:
    """The folder is made, as SQLite's own file made it before the year was written under a
    temporary name (a FileNotFoundError traceback for a day)."""
    write_sweep(tmp_path, GRID)
    db = tmp_path / "new" / "folder" / "sub.db"
    result = simulate_into(tmp_path, db)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in db.parent.iterdir()) == ["sub.db"]


def test_a_file_made_at_the_name_during_the_run_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The year used to be renamed over whatever had taken the name while it ran."""
    write_sweep(tmp_path, GRID)
    db = tmp_path / "sub.db"
    real = run.Engine.run_all

    def someone_writes_there(self: engine.Engine) -> Any:
        db.write_text("precious")
        return real(self)

    monkeypatch.setattr(run.Engine, "run_all", someone_writes_there)
    result = simulate_into(tmp_path, db)
    assert result.exit_code == 2, result.output
    assert f"error: --db: {db} was made by another program while the run went" in said(
        result.output
    )
    assert db.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.glob("*sub.db*")) == ["sub.db"]


def test_side_files_planted_at_the_names_do_not_reach_the_year(tmp_path: Path) -> None:
    """A write-ahead log left at NAME-wal was replayed into the finished year the first time
    SQLite opened it (here: every release deleted, an agency renamed); a link at the temporary
    file's -shm name made the run fail to open its database."""
    write_sweep(tmp_path, GRID)
    donor = tmp_path / "donor.db"
    assert simulate_into(tmp_path, donor).exit_code == 0
    with closing(sqlite3.connect(donor)) as connection:
        connection.execute("PRAGMA wal_autocheckpoint = 0")
        connection.execute("UPDATE agency SET name = 'PWNED'")
        connection.execute("DELETE FROM release")
        connection.commit()
        planted = Path(f"{donor}-wal").read_bytes()  # read while the connection keeps it
    assert planted
    db = tmp_path / "sub.db"
    Path(f"{db}-wal").write_bytes(planted)
    victim = tmp_path / "victim"
    victim.write_text("mine")
    (tmp_path / ".sub.db.partial-shm").symlink_to(victim)
    result = simulate_into(tmp_path, db)
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "mine"
    with closing(sqlite3.connect(db)) as finished:
        names = {name for (name,) in finished.execute("SELECT name FROM agency")}
        (releases,) = finished.execute("SELECT count(*) FROM release").fetchone()
    assert "PWNED" not in names and releases > 0


def test_only_what_the_run_created_is_taken_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty file a user made is emptied again, not removed; a file that held something is
    refused by the runner and left exactly as it was."""
    write_sweep(tmp_path, GRID)
    monkeypatch.setattr(run.Engine, "run_all", lambda _self: (_ for _ in ()).throw(RuntimeError))
    empty = tmp_path / "empty.db"
    empty.touch()
    assert simulate_into(tmp_path, empty).exit_code == 1
    assert empty.is_file() and empty.stat().st_size == 0
    assert list(tmp_path.glob("empty.db-*")) == []
    full = tmp_path / "full.db"
    full.write_text("someone's database")
    result = simulate_into(tmp_path, full)
    assert result.exit_code == 2 and "already holds a database" in said(result.output)
    assert full.read_text() == "someone's database"


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "{town}"],
        ["compare", "{town}", "--policies", "ring-2019,privacy-by-design", "--replications", "1"],
        ["sweep", "{sweep}"],
    ],
)
def test_paths_with_brackets_are_printed_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    # rich read "[study]" as a style (printing the path without it) and "[/x]" as a closing
    # tag: a MarkupError once the runs had finished.
    sweep = write_sweep(tmp_path, GRID)
    target = tmp_path / "[study]" / "[/x]"
    args = [a.format(town=tmp_path / "town.toml", sweep=sweep) for a in command]
    result = CliRunner().invoke(cli, [*args, "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert f"{target / 'report.html'}" in said(result.output) or f"outputs in {target}" in (
        said(result.output)
    )
    (tmp_path / "afile").write_text("mine")
    refused = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "afile" / "[/x]")])
    assert refused.exit_code == 2 and "[/x] cannot be made in it" in said(refused.output)
