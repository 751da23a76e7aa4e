"""Files the CLI and the service write, attacked through the folder they are written to.

Output folders are often shared (/tmp, a group's project folder); anyone who can write there can
plant a symbolic link under a name about to be written. A write through it overwrites the link's
target with our output, or hands a secret to the link's owner.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.audit.bundle import Source, write_bundle
from app.audit.keys import LogKeyError, LogKeySettings, load_signer
from app.cli import cli
from app.config import ConfigError, Settings
from app.db import Database
from app.files import write_atomic
from app.sim.compare_folder import prune_earlier_runs
from app.workflow.records import Agency

MINE = b"a researcher's own file\n"
SMALLTOWN = Path(__file__).resolve().parents[2] / "scenarios" / "smalltown.toml"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file of the victim's outside the output folder."""
    path = tmp_path / "elsewhere" / "thesis.tex"
    path.parent.mkdir()
    path.write_bytes(MINE)
    return path


def test_a_link_planted_at_a_temporary_name_is_not_written_through(
    tmp_path: Path, victim: Path
) -> None:
    """Every simulation output goes through write_atomic; its temporary name is predictable."""
    out = tmp_path / "shared-out"
    out.mkdir()
    (out / ".summary.csv.partial").symlink_to(victim)
    write_atomic(out / "summary.csv", b"metric,value\n")
    assert victim.read_bytes() == MINE
    assert (out / "summary.csv").read_bytes() == b"metric,value\n"
    assert not (out / ".summary.csv.partial").exists()


def test_a_link_planted_at_the_output_name_is_replaced_not_followed(
    tmp_path: Path, victim: Path
) -> None:
    out = tmp_path / "shared-out"
    out.mkdir()
    (out / "summary.csv").symlink_to(victim)
    write_atomic(out / "summary.csv", b"metric,value\n")
    assert victim.read_bytes() == MINE
    assert not (out / "summary.csv").is_symlink()


@pytest.mark.parametrize("name", ["entries.jsonl", "checkpoint", "log-key.pub"])
def test_an_audit_export_does_not_write_through_a_planted_link(
    tmp_path: Path, victim: Path, name: str
) -> None:
    """`consentgate audit export DIR` into a folder holding a link under a bundle file's name."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / name).symlink_to(victim)
    write_bundle(bundle, Source("origin\n1\nhash\n", "verifier-key", iter([b'{"seq": 0}\n'])))
    assert victim.read_bytes() == MINE
    assert not (bundle / name).is_symlink()
    assert (bundle / "entries.jsonl").read_text() == '{"seq": 0}\n'


def _settings(tmp_path: Path, secret_file: Path) -> Settings:
    return Settings(env="development", db_path=tmp_path / "x.db", secret_file=secret_file)


def _generate_secret(tmp_path: Path, path: Path) -> None:
    _settings(tmp_path, path).signing_secret()


def _generate_log_key(tmp_path: Path, path: Path) -> None:
    load_signer(_settings(tmp_path, tmp_path / "unused.key"), LogKeySettings(log_key_file=path))


GENERATORS: dict[str, Callable[[Path, Path], None]] = {
    "token-secret": _generate_secret,
    "log-key": _generate_log_key,
}


@pytest.mark.parametrize("what", GENERATORS)
def test_a_generated_secret_is_not_written_through_a_dangling_link(
    tmp_path: Path, what: str
) -> None:
    """A link to a file that does not exist yet: writing through it would create the secret
    in a place the link's owner chose (and can read)."""
    drop = tmp_path / "attacker" / "stolen.key"
    drop.parent.mkdir()
    link = tmp_path / "var" / "secret.key"
    link.parent.mkdir()
    link.symlink_to(drop)
    with pytest.raises((ConfigError, LogKeyError), match="symbolic link"):
        GENERATORS[what](tmp_path, link)
    assert not drop.exists()


@pytest.mark.parametrize("what", GENERATORS)
def test_a_generated_secret_is_never_readable_by_others(
    tmp_path: Path, what: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Created 0600, not written under the umask (0644) and chmod'ed afterwards: in between,
    anyone on the machine could read it. Each chmod is checked against the mode it replaces."""
    seen: list[int] = []
    real_chmod = Path.chmod

    def watched(self: Path, mode: int, **kwargs: object) -> None:
        seen.append(stat.S_IMODE(self.stat().st_mode))
        real_chmod(self, mode)

    monkeypatch.setattr(Path, "chmod", watched)
    old = os.umask(0o022)
    try:
        path = tmp_path / "var" / "secret.key"
        GENERATORS[what](tmp_path, path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert all(mode & 0o077 == 0 for mode in seen), [oct(m) for m in seen]


@pytest.mark.parametrize("target", ["empty", "dangling"])
def test_simulate_db_does_not_write_through_a_link(tmp_path: Path, target: str) -> None:
    """`consentgate simulate --db PATH`: an existing non-empty file was already refused; a link
    to an empty file or to nowhere was followed, and the database written where it pointed."""
    aimed = tmp_path / "elsewhere" / "theirs.db"
    aimed.parent.mkdir()
    if target == "empty":
        aimed.touch()
    link = tmp_path / "shared" / "run.db"
    link.parent.mkdir()
    link.symlink_to(aimed)
    result = CliRunner().invoke(
        cli, ["simulate", str(SMALLTOWN), "--out", str(tmp_path / "out"), "--db", str(link)]
    )
    assert result.exit_code == 2, result.output
    assert "is a symbolic link" in " ".join(result.output.split())
    assert (
        (aimed.exists() and aimed.stat().st_size == 0) if target == "empty" else not aimed.exists()
    )


def test_compare_pruning_never_deletes_through_a_planted_link(tmp_path: Path) -> None:
    """`consentgate compare --out DIR` removes its own earlier run folders; a link planted as
    DIR/runs/<policy> or DIR/runs pointed it at someone else's rep-NNN folders."""
    theirs = tmp_path / "their-experiments"
    (theirs / "rep-001").mkdir(parents=True)
    (theirs / "rep-001" / "results.csv").write_bytes(MINE)
    (theirs / "runs" / "x" / "rep-002").mkdir(parents=True)
    out = tmp_path / "shared-out"
    (out / "runs").mkdir(parents=True)
    (out / "runs" / "ring-2018").symlink_to(theirs)
    prune_earlier_runs(out, kept=[], written=["differences.png"])
    other = tmp_path / "other-out"
    other.mkdir()
    (other / "runs").symlink_to(theirs / "runs")
    prune_earlier_runs(other, kept=[], written=["differences.png"])
    assert (theirs / "rep-001" / "results.csv").read_bytes() == MINE
    assert (theirs / "runs" / "x" / "rep-002").is_dir()


def test_the_demo_tokens_are_readable_by_their_owner_only(
    tmp_path: Path, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`consentgate seed` writes bearer tokens, the operator's among them, to var/demo.env:
    under the umask that file was 0644, so anyone on the machine could act as the operator;
    and a link planted at its name was written through."""
    monkeypatch.setenv("CONSENTGATE_DB_PATH", str(tmp_path / "seed.db"))
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    shared = tmp_path / "shared"
    shared.mkdir()
    linked = shared / "linked.env"
    linked.symlink_to(victim)
    old = os.umask(0o022)
    try:
        for env_file in (shared / "demo.env", linked):
            result = CliRunner().invoke(cli, ["seed", "--env-file", str(env_file)])
            assert result.exit_code == 0, result.output
    finally:
        os.umask(old)
    for env_file in (shared / "demo.env", linked):
        assert "OPERATOR_TOKEN=" in env_file.read_text()
        assert stat.S_IMODE(env_file.lstat().st_mode) == 0o600, env_file
    assert victim.read_bytes() == MINE


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """Residents' names, contacts, camera locations and clips: under the umask the database and
    its WAL files were 0644, readable by every user of a shared machine."""
    path = tmp_path / "var" / "consentgate.db"
    old = os.umask(0o022)
    try:
        db = Database(f"sqlite:///{path}")
        db.create_schema()
        with db.read() as store:
            store.count(Agency)
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
        db.dispose()
    finally:
        os.umask(old)
    assert "consentgate.db-wal" in modes, modes
    assert all(mode == 0o600 for mode in modes.values()), {k: oct(v) for k, v in modes.items()}
