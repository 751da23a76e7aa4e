"""`consentgate audit export` writes the entries as it reads them (app/audit/bundle.py): it held
the whole log, its lines and their joined text at once (1.1 GB for a 220 MB bundle of a
simulated city's year), and an export that fails half-way leaves the folder as it was."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.audit import bundle
from app.audit.bundle import (
    CHECKPOINT,
    ENTRIES,
    BundleError,
    export_from_db,
    fetch_bundle,
    write_bundle,
)
from app.workflow import log_scan
from app.workflow.auditor import current_checkpoint
from tests.audit.helpers import exported, fixed_signer, memory_log

SIGNER = fixed_signer()


def test_exporting_from_the_database_holds_a_small_part_of_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(log_scan, "PAGE", 64)
    ctx = memory_log(6000)
    current_checkpoint(ctx, SIGNER.name)  # the memory store folds its Merkle nodes on first use
    tracemalloc.start()
    try:
        result = export_from_db(ctx, tmp_path / "bundle", SIGNER)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    written = (tmp_path / "bundle" / ENTRIES).read_text()
    assert result.size == 6000
    assert written == "".join(line + "\n" for line in exported(ctx, SIGNER)[0])
    assert peak < len(written) / 10, f"held {peak:,} bytes exporting {len(written):,}"


def test_a_log_that_changes_while_it_is_read_leaves_the_bundle_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checkpoint is read first: an entry appended before the entries are read (possible
    between statements under PostgreSQL's READ COMMITTED) makes them disagree."""
    ctx = memory_log(30)
    folder = tmp_path / "bundle"
    export_from_db(ctx, folder, SIGNER)
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    one_short = current_checkpoint(ctx, SIGNER.name)
    monkeypatch.setattr(
        bundle, "current_checkpoint", lambda *_: one_short.__class__(one_short.origin, 29, b"x")
    )
    with pytest.raises(BundleError, match="changed while it was read"):
        export_from_db(ctx, folder, SIGNER)
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def _service(
    chunks: list[bytes], check: Iterator[None] | None = None, size: str = "3"
) -> httpx.MockTransport:
    """A service whose export answers `chunks` one at a time, running `check` before each."""

    class Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for chunk in chunks:
                if check is not None:
                    next(check)
                yield chunk

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/audit/checkpoint":
            return httpx.Response(200, text=f"origin\n{size}\nroot\n")
        if request.url.path == "/audit/log-key":
            return httpx.Response(200, json={"verifier_key": "the-key"})
        return httpx.Response(200, stream=Body())

    return httpx.MockTransport(answer)


def test_a_remote_export_is_written_as_it_arrives(tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    partial = folder / f".{ENTRIES}.partial"
    # Each larger than the file's write buffer, so that what was written is on disk to be seen.
    pad = b" " * 10_000
    chunks = [b'{"seq":0}' + pad + b"\n", b'{"seq":1}\n{"seq":' + pad, b"2}\n"]

    def written_so_far() -> Iterator[None]:
        for k in range(len(chunks)):
            assert (partial.read_bytes() if k else b"") == b"".join(chunks[:k])
            yield

    folder.mkdir()
    with httpx.Client(transport=_service(chunks, written_so_far()), base_url="http://x") as c:
        result = write_bundle(folder, fetch_bundle(c, "token"))
    assert result.size == 3
    assert (folder / ENTRIES).read_bytes() == b"".join(chunks)
    assert not partial.exists()


@pytest.mark.parametrize("size", ["", "-1", "\u00b2", "\u0663"])  # isdigit() alone takes ² and ٣
def test_a_checkpoint_without_a_decimal_size_is_refused_before_the_export(size: str) -> None:
    with (
        httpx.Client(transport=_service([b"a\n"], size=size), base_url="http://x") as c,
        pytest.raises(BundleError, match="not a checkpoint note"),
    ):
        fetch_bundle(c, "token")


def test_a_remote_export_cut_off_half_way_leaves_the_bundle_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / ENTRIES).write_bytes(b"the auditor's earlier export\n")

    def cut_off() -> Iterator[None]:
        yield
        raise httpx.ReadError("connection reset")

    with (
        httpx.Client(transport=_service([b"a\n", b"b\n"], cut_off()), base_url="http://x") as c,
        pytest.raises(BundleError, match="connection reset") as refused,
    ):
        write_bundle(folder, fetch_bundle(c, "token"))
    assert refused.value.option == "--url"
    assert sorted(path.name for path in folder.iterdir()) == [ENTRIES]
    assert (folder / ENTRIES).read_bytes() == b"the auditor's earlier export\n"


def test_a_bundle_file_that_cannot_be_written_leaves_the_bundle_as_it_was(tmp_path: Path) -> None:
    """The entries written, the checkpoint not (here a directory left at its temporary name; a
    full disk is the same): none of the new files is renamed into place, so the folder does not
    pair the new entries with the old checkpoint, and the entries' partial file is removed."""
    folder = tmp_path / "bundle"
    export_from_db(memory_log(10), folder, SIGNER)  # the auditor's earlier export
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    (folder / f".{CHECKPOINT}.partial").mkdir()
    with pytest.raises(IsADirectoryError):
        export_from_db(memory_log(30), folder, SIGNER)
    after = {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}
    assert after == before
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [*before, f".{CHECKPOINT}.partial"]
    )
