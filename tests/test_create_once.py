"""Two processes starting together on a fresh machine must end up with one token secret and
one log key between them: each looks, finds nothing, and generates its own; the one whose write
comes second must read what the first wrote rather than keep a secret nobody else has (tokens
one worker signs would fail at the other; checkpoints would be signed by two keys)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import files
from app.audit.keys import LogKeySettings, load_signer
from app.config import Settings
from app.workflow.signed_note import Signer

ORIGIN = LogKeySettings().log_origin


def _lose_the_race(monkeypatch: pytest.MonkeyPatch, theirs: str) -> None:
    """The other process writes its file between our look and our write."""
    real = files.create_private

    def after_the_other(path: Path, text: str) -> None:
        real(path, theirs)
        real(path, text)  # FileExistsError, as the O_EXCL open then raises

    monkeypatch.setattr(files, "create_private", after_the_other)


def test_the_second_writer_of_the_secret_uses_the_first_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = "their-secret-" + "y" * 40
    _lose_the_race(monkeypatch, theirs + "\n")
    settings = Settings(env="development", db_path=tmp_path / "x.db", secret_file=tmp_path / "s")
    assert settings.signing_secret() == theirs


def test_the_second_writer_of_the_log_key_uses_the_first_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = Signer(ORIGIN, Ed25519PrivateKey.generate()).encode()
    _lose_the_race(monkeypatch, theirs + "\n")
    settings = Settings(env="development", db_path=tmp_path / "x.db", secret_file=tmp_path / "s")
    signer = load_signer(settings, LogKeySettings(log_key_file=tmp_path / "log.key"))
    assert signer.encode() == theirs


def test_a_file_already_there_is_read_and_nothing_is_generated(tmp_path: Path) -> None:
    path = tmp_path / "kept"
    path.write_text("kept\n")

    def never() -> str:
        raise AssertionError("generated a value although the file exists")

    path.chmod(0o600)
    assert files.create_once(path, never) == "kept\n"
