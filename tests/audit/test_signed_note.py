"""Signed notes against Go's published example, and checkpoints that refuse every forgery."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.workflow.signed_note import (
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
    open_note,
    sign_checkpoint,
)

# golang.org/x/mod/sumdb/note's documented example key and note (also in c2sp.org/signed-note).
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FF"
    "YC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_matches_the_go_reference_note() -> None:
    signer = Signer.parse(GO_SIGNER)
    assert signer.sign(GO_TEXT) == GO_NOTE
    assert signer.encode() == GO_SIGNER
    verifier = Verifier.parse(signer.verifier.encode())
    assert open_note(GO_NOTE, verifier) == GO_TEXT


def test_checkpoint_round_trip_and_forgeries() -> None:
    signer = Signer("consentgate.test/log", Ed25519PrivateKey.generate())
    pinned = signer.verifier
    note = sign_checkpoint(signer, Checkpoint("consentgate.test/log", 12, b"\x07" * 32))
    assert open_checkpoint(note, pinned, origin="consentgate.test/log").size == 12
    forged_size = note.replace("\n12\n", "\n13\n", 1)
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(forged_size, pinned)
    impostor = Signer("consentgate.test/log", Ed25519PrivateKey.generate())
    with pytest.raises(NoteError, match="no signature by the pinned key"):
        open_checkpoint(sign_checkpoint(impostor, Checkpoint("x", 1, b"\0" * 32)), pinned)
    with pytest.raises(NoteError, match="not 'other'"):
        open_checkpoint(note, pinned, origin="other")
    for broken in ("", "no blank line\n", note.replace("\u2014", "-"), note[:-1]):
        with pytest.raises(NoteError):
            open_checkpoint(broken, pinned)


def test_a_note_re_signed_with_another_key_names_both_keys() -> None:
    # Same log name, another key: what an insider who re-signs a rewritten log produces. The
    # auditor is told which key they pinned and which key signed instead.
    pinned = Signer("consentgate.test/log", Ed25519PrivateKey.generate()).verifier
    impostor = Signer("consentgate.test/log", Ed25519PrivateKey.generate())
    note = sign_checkpoint(impostor, Checkpoint("consentgate.test/log", 3, b"\1" * 32))
    with pytest.raises(NoteError) as refused:
        open_checkpoint(note, pinned)
    assert str(refused.value) == (
        f"the note carries no signature by the pinned key consentgate.test/log+"
        f"{pinned.key_id.hex()}; it is signed by consentgate.test/log+"
        f"{impostor.verifier.key_id.hex()}"
    )


def test_keys_are_checked_when_read() -> None:
    verifier = Signer.parse(GO_SIGNER).verifier.encode()
    name, key_id, key = verifier.split("+", 2)
    with pytest.raises(NoteError, match="does not match"):
        Verifier.parse(f"{name}+00000000+{key}")
    with pytest.raises(NoteError):
        Verifier.parse("garbage")
    with pytest.raises(NoteError):
        Verifier.parse(f"{name}+{key_id}+!!!")


@pytest.mark.parametrize("size", ["\u00b2", "\u0663", "1\u00b2", "+1", " 1"])
def test_a_checkpoint_size_is_ascii_decimal_digits(size: str) -> None:
    # str.isdigit() takes '²' (which int() then refuses with a ValueError) and '٣'.
    text = f"consentgate.test/log\n{size}\n{'A' * 43}=\n"
    with pytest.raises(NoteError, match="not a decimal number"):
        Checkpoint.parse_text(text)
