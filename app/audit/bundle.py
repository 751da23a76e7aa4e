"""Export bundles: a directory an auditor can carry away and verify offline.

entries.jsonl   one audit entry per line, in order, with its hashes
checkpoint      the signed note committing to exactly those entries
log-key.pub     the key the service says it signs with (informational: verify with the key
                you pinned, never this one)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from app.audit.verifier import Verdict, entry_line, verify_entries
from app.files import write_atomic_together
from app.workflow.auditor import current_checkpoint
from app.workflow.context import Ctx
from app.workflow.log_scan import entry_pages
from app.workflow.records import AuditEntry
from app.workflow.signed_note import NoteError, Signer, Verifier, open_checkpoint, sign_checkpoint

ENTRIES = "entries.jsonl"
CHECKPOINT = "checkpoint"
LOG_KEY = "log-key.pub"
MAX_CHECKPOINT_BYTES = 64 * 1024


class BundleError(ValueError):
    """The bundle or a key file cannot be read; the message names the file and the reason,
    `option` the command-line input it came from (the bundle, `--key`, `--checkpoint`, ...)."""

    def __init__(self, message: str, option: str = "bundle") -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True, slots=True)
class Exported:
    size: int
    checkpoint: str


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "id": str(entry.id),
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
        "leaf_hash": entry.leaf_hash,
    }


@dataclass(frozen=True, slots=True)
class Source:
    """What a bundle is written from: its checkpoint, its log key, and its entries file's bytes
    as they are read (lines ending in "\\n"), never the whole log at once."""

    checkpoint: str
    log_key: str
    entries: Iterator[bytes]


def export_from_db(ctx: Ctx, directory: Path, signer: Signer) -> Exported:
    """A bundle written from inside one read transaction, so that the entries and the
    checkpoint describe the same log; the entries go to the file a page at a time."""
    checkpoint = current_checkpoint(ctx, signer.name)

    def entries() -> Iterator[bytes]:
        last = -1
        for page in entry_pages(ctx):
            last = page[-1].seq if page else last
            yield "".join(entry_line(entry_dict(e)) + "\n" for e in page).encode()
        # Against the last entry, not the count: an entry deleted behind the service's back is
        # a gap the verifier names, not a reason to refuse the export.
        if checkpoint.size != last + 1:
            raise BundleError("the log changed while it was read; export again")

    note = sign_checkpoint(signer, checkpoint)
    return write_bundle(directory, Source(note, signer.verifier.encode(), entries()))


def write_bundle(directory: Path, source: Source) -> Exported:
    # Renamed into place: a link planted under one of these names is replaced, not written to.
    # All three are written before any is renamed: if reading the entries (or writing any file)
    # fails, the folder's files are left as they were, and an interrupted export cannot leave
    # new entries beside an old checkpoint for the minutes the entries take to write.
    lines = [0]

    def counted() -> Iterator[bytes]:
        for chunk in source.entries:
            lines[0] += chunk.count(b"\n")
            yield chunk

    write_atomic_together(
        [
            (directory / ENTRIES, counted()),
            (directory / CHECKPOINT, [source.checkpoint.encode()]),
            (directory / LOG_KEY, [(source.log_key.strip() + "\n").encode()]),
        ]
    )
    return Exported(lines[0], source.checkpoint)


def fetch_bundle(client: httpx.Client, token: str) -> Source:
    """Checkpoint, log key and entries over the REST API, as an auditor without database
    access gets them: the checkpoint first, then exactly the entries it commits to, streamed
    (read as `write_bundle` writes them)."""
    headers = {"Authorization": f"Bearer {token}"}
    checkpoint = _get(client, "/audit/checkpoint", headers).text
    size_line = checkpoint.split("\n")[1:2]
    if not size_line or not (size_line[0].isascii() and size_line[0].isdigit()):
        raise BundleError("the server's checkpoint is not a checkpoint note", "--url")
    try:
        # RecursionError: a hostile service's "[[[[..." is no more JSON than any other answer
        published = json.loads(_get(client, "/audit/log-key", {}).text)
    except (ValueError, RecursionError):
        raise BundleError("GET /audit/log-key did not answer JSON", "--url") from None
    log_key = published.get("verifier_key", "") if isinstance(published, dict) else ""

    def entries() -> Iterator[bytes]:
        path = f"/audit/export?size={size_line[0]}"
        try:
            with client.stream("GET", path, headers=headers) as response:
                _check_answer(path, response)
                yield from response.iter_bytes()
        except httpx.HTTPError as exc:
            raise BundleError(f"GET {path} failed: {exc}", "--url") from None

    return Source(checkpoint, str(log_key), entries())


def _get(client: httpx.Client, path: str, headers: dict[str, str]) -> httpx.Response:
    try:
        response = client.get(path, headers=headers)
    except httpx.HTTPError as exc:
        raise BundleError(f"cannot reach the service: {exc}", "--url") from None
    _check_answer(path, response)
    return response


def _check_answer(path: str, response: httpx.Response) -> None:
    if response.status_code != 200:
        response.read()  # a streamed error's body, for its detail
        try:
            detail = response.json().get("detail", response.text)
        except (ValueError, AttributeError, RecursionError):  # not JSON, or without a detail
            detail = response.text
        # 401 and 403 are the token's fault (expired, forged, another role's); the rest the URL's.
        option = "--token" if response.status_code in (401, 403) else "--url"
        raise BundleError(f"GET {path} answered {response.status_code}: {detail}", option)


def _read(path: Path, what: str, limit: int | None = None, option: str = "bundle") -> str:
    try:
        if limit is not None and path.stat().st_size > limit:
            raise BundleError(f"{path}: the {what} is larger than {limit} bytes", option)
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BundleError(f"{path}: no {what} there", option) from None
    except IsADirectoryError:
        raise BundleError(f"{path}: is a directory, not a {what}", option) from None
    except UnicodeDecodeError:
        raise BundleError(f"{path}: the {what} is not UTF-8 text", option) from None


def read_pinned_key(path_or_key: str) -> Verifier:
    """The pinned verifier key, given inline or as a file holding it."""
    text, where = path_or_key, "pinned key"
    if "+" not in path_or_key or Path(path_or_key).exists():
        text = _read(Path(path_or_key), "pinned key file", 4096, "--key")
        where = path_or_key
    if text.startswith("PRIVATE+KEY+"):  # the operator's var/log.key or CONSENTGATE_LOG_KEY
        raise BundleError(
            f"{where}: this is the log's signer (private) key; pin the verifier key "
            "`consentgate audit key` or GET /audit/log-key prints",
            "--key",
        )
    try:
        return Verifier.parse(text)
    except NoteError as exc:
        raise BundleError(f"{where}: {exc}", "--key") from None


def verify_bundle(directory: Path, pinned: Verifier, saved: list[Path]) -> Verdict:
    if not directory.is_dir():
        raise BundleError(f"{directory}: not a bundle directory (export one with `audit export`)")
    checkpoint = _read(directory / CHECKPOINT, "checkpoint", MAX_CHECKPOINT_BYTES)
    saved_notes = [_saved_checkpoint(path, pinned) for path in saved]
    path = directory / ENTRIES
    try:
        entries = path.open("rb")  # opened first: a missing file is the bundle's fault (exit 2)
    except FileNotFoundError:
        raise BundleError(f"{path}: no entries file there") from None
    except IsADirectoryError:
        raise BundleError(f"{path}: is a directory, not an entries file") from None
    with entries:
        return verify_entries(_lines(entries), checkpoint, pinned, saved_notes)


def _lines(file: BinaryIO) -> Iterator[bytes]:
    r"""The file's lines without their "\n", read a line at a time: a log of millions of entries
    is never held whole. Split at "\n" only, and a final "\n" ends the last line rather than
    starting an empty one; each line is decoded (as UTF-8, or named as not) by the verifier."""
    for line in file:
        yield line[:-1] if line.endswith(b"\n") else line


def _saved_checkpoint(path: Path, pinned: Verifier) -> str:
    """A checkpoint the auditor saved: their own input, so one that is not a checkpoint signed
    by the pinned key cannot be read (exit 2), unlike the bundle's, which fails verification."""
    note = _read(path, "saved checkpoint", MAX_CHECKPOINT_BYTES, "--checkpoint")
    try:
        open_checkpoint(note, pinned, origin=pinned.name)
    except NoteError as exc:
        raise BundleError(
            f"{path}: not a checkpoint signed by the pinned key ({exc})", "--checkpoint"
        ) from None
    return note
