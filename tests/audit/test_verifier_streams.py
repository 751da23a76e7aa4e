"""The offline verifier reads a bundle a line at a time (app/audit/verifier.py, bundle.py): it
held the whole file, its lines, every leaf and every Merkle node at once, gigabytes for a
million-camera year's 3.6 million entries. What it holds now is the tree's frontier and the
few nodes the auditor's saved checkpoints need."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from app.audit import verifier
from app.audit.bundle import CHECKPOINT, ENTRIES, _lines, verify_bundle
from app.audit.verifier import entry_line
from app.workflow import audit
from app.workflow.signed_note import Checkpoint, sign_checkpoint
from tests.audit.helpers import ORIGIN, exported, fixed_signer, memory_log
from tests.audit.test_tamper_property import _rehash

SIGNER = fixed_signer()


def _bundle(directory: Path, size: int) -> tuple[Path, int]:
    lines, checkpoint = exported(memory_log(size), SIGNER)
    directory.mkdir()
    (directory / ENTRIES).write_text("".join(line + "\n" for line in lines))
    (directory / CHECKPOINT).write_text(checkpoint)
    return directory, (directory / ENTRIES).stat().st_size


def test_verifying_a_bundle_holds_a_small_part_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verifier._KeptTree, "PAGE", 64)
    bundle, file_size = _bundle(tmp_path / "bundle", 6000)
    tracemalloc.start()
    try:
        verdict = verify_bundle(bundle, SIGNER.verifier, [])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert verdict.ok and verdict.size == 6000, verdict.problems
    assert peak < file_size / 10, f"held {peak:,} bytes verifying a {file_size:,}-byte bundle"


def test_saved_checkpoints_of_every_size_are_checked_across_the_folds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The nodes a saved checkpoint's root and consistency proof read are kept while the rest
    of the tree is dropped after each fold (of 3 leaves here): every size, every boundary."""
    monkeypatch.setattr(verifier._KeptTree, "PAGE", 3)
    ctx = memory_log(24)
    lines, checkpoint = exported(ctx, SIGNER)
    saved = [
        sign_checkpoint(SIGNER, Checkpoint(ORIGIN, size, audit.root_at(ctx, size)))
        for size in range(1, 25)
    ]
    verdict = verifier.verify_entries(iter(lines), checkpoint, SIGNER.verifier, saved)
    assert verdict.ok and verdict.saved_checked == 24, verdict.problems

    # An edit the tamperer rehashed to the end is bounded by the saved checkpoints around it:
    # those of sizes up to 9 still match, the one of size 10 no longer does.
    entries = [json.loads(line) for line in lines]
    entries[9]["data"]["n"] = 90
    forged = [entry_line(e) for e in _rehash(entries)]
    verdict = verifier.verify_entries(forged, checkpoint, SIGNER.verifier, saved)
    assert not verdict.ok and verdict.first_bad_seq == 9, verdict.problems
    assert "an entry from 9 to 9 was changed" in " ".join(verdict.problems)


def test_a_line_that_is_not_utf8_is_named_at_its_place(tmp_path: Path) -> None:
    """Read as bytes, a line at a time: a tampered byte is a finding at its line, as a line
    that is not JSON is, rather than a refusal of the whole file before any check."""
    bundle, _ = _bundle(tmp_path / "bundle", 5)
    entries = (bundle / ENTRIES).read_bytes().split(b"\n")
    entries[3] = entries[3].replace(b'"test.step0"', b'"test.step\xff"')
    (bundle / ENTRIES).write_bytes(b"\n".join(entries))
    verdict = verify_bundle(bundle, SIGNER.verifier, [])
    assert not verdict.ok and verdict.first_bad_seq == 3
    assert verdict.problems == ["line 4 is not UTF-8 text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"", []),
        (b"a\nb\n", [b"a", b"b"]),
        (b"a\nb", [b"a", b"b"]),
        (b"a\n\nb\n\n", [b"a", b"", b"b", b""]),
        (b"a\r\nb\rc\n", [b"a\r", b"b\rc"]),
    ],
)
def test_lines_are_split_at_newlines_only(
    tmp_path: Path, text: bytes, expected: list[bytes]
) -> None:
    """As `str.split("\\n")` split the text before, with a final newline ending the last line:
    a lone carriage return is inside a line (JSON never holds one raw), not a line's end."""
    path = tmp_path / "entries"
    path.write_bytes(text)
    with path.open("rb") as file:
        assert list(_lines(file)) == expected
