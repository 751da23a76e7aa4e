"""Writing files the CLI and the service create, without being steered by a planted link.

Output folders are often shared (/tmp, a group's project folder), and anyone who can write there
can leave a symbolic link under a name we are about to write: writing through it would overwrite
the link's target (a researcher's own files) with our output, or put a secret where the link's
owner can read it. Files here are therefore created with O_EXCL | O_NOFOLLOW (a link, or any file,
already at the name is refused, never followed), and a finished output replaces its name by
rename, which replaces a link itself rather than writing through it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# O_NOFOLLOW and O_CLOEXEC are POSIX; elsewhere (Windows) O_EXCL alone still refuses a link.
NEW_FILE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def write_atomic(path: Path, data: bytes, *, private: bool = False) -> None:
    """`data` whole to a temporary name beside `path`, then renamed over it: an interrupted
    write leaves the old file or the new one, and a link at either name is never followed.
    `private`: readable by the owner only (0600) from the first byte: credentials."""
    os.replace(_staged(path, (data,), private=private), path)


def write_atomic_together(files: Sequence[tuple[Path, Iterable[bytes]]]) -> None:
    """Files that describe one another (an audit bundle's entries and the checkpoint committing
    to them), each written whole under its temporary name before any is renamed into place: if
    making any of them fails, every partial is removed and the folder is left as it was. The
    renames then come back to back, so an interruption can leave a mix of old and new files
    only within those few system calls, not during the minutes the largest file takes."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, chunks in files:
            staged.append((_staged(path, chunks, private=False), path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


def _staged(path: Path, chunks: Iterable[bytes], *, private: bool) -> Path:
    """`chunks` written to a new temporary file beside `path`, as they are made (an audit log
    of gigabytes is never held whole), whose name is returned; removed again if making a
    chunk or writing it fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()  # a leftover of an interrupted run, or a planted link: removed, not followed
    # Otherwise the umask applies, as for any file we write.
    fd = os.open(tmp, NEW_FILE, 0o600 if private else 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            for chunk in chunks:
                file.write(chunk)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def create_private(path: Path, text: str) -> None:
    """A new file only its owner may read, with that mode from its first instant (not chmod'ed
    after being written); FileExistsError if anything, a link included, is already there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, NEW_FILE, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)


class DanglingLinkError(FileExistsError):
    """A symbolic link to nothing sits where a private file is to be created: whoever planted
    it would read what we wrote through it."""


def create_once(path: Path, make: Callable[[], str]) -> str:
    """The text of the private file at `path`: written from `make()` (0600, never through a
    link) if nothing is there, or read back if the file exists, including when another process
    created it between our look and our write (two workers starting together then share one
    file instead of each keeping its own). DanglingLinkError for a link to nothing."""
    if path.exists():
        return read_private(path)
    text = make()
    try:
        create_private(path, text)
    except FileExistsError:
        if path.is_symlink():  # exists() was False: the link points nowhere
            raise DanglingLinkError(path) from None
        return read_private(path)  # another process created it just now
    return text


class UnsafePrivateFile(ValueError):
    """A private file (a secret, a key) that another user could have written, or can read:
    a secret they chose or know lets them forge what it signs. Refused, as ssh refuses an
    unprotected key file, rather than used."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path} {reason}")
        self.path = path
        self.reason = reason


def read_private(path: Path) -> str:
    """The text of an existing private file, checked on the descriptor it is read from (a
    name checked and then opened could be swapped in between)."""
    # O_NOFOLLOW: a link planted at the name is refused, not followed to any file its planter
    # chose (root reads every 0600 file on the machine, some of them empty: an empty secret
    # signs tokens anyone can forge); O_NONBLOCK: a FIFO planted there cannot hang the open.
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if path.is_symlink():  # ELOOP
            raise UnsafePrivateFile(path, "is a symbolic link; name the file itself") from None
        raise exc from None
    with os.fdopen(fd, encoding="utf-8") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePrivateFile(path, "is not a regular file")
        getuid = getattr(os, "getuid", None)  # POSIX; Windows has no owners of this kind
        if getuid is not None and info.st_uid != getuid():
            raise UnsafePrivateFile(path, f"belongs to another user (uid {info.st_uid})")
        if getuid is not None and info.st_mode & 0o077:
            mode = stat.S_IMODE(info.st_mode)
            raise UnsafePrivateFile(
                path,
                f"can be read or written by other users (mode {mode:04o}); "
                f"make it private with `chmod 600 {path}`",
            )
        try:
            return file.read()
        except UnicodeDecodeError:
            raise UnsafePrivateFile(path, "is not UTF-8 text") from None


# The longest file or folder name ext4, XFS, Btrfs, tmpfs and APFS take, in bytes.
NAME_MAX = 255


@dataclass(frozen=True)
class FolderProblem:
    """Why a folder cannot be written: `path` is the folder itself or the first of its parents
    in the way, `reason` says what is wrong with it in words ("is a file, not a folder")."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path} {self.reason}"


def folder_problem(folder: Path) -> FolderProblem | None:
    """Why `folder` cannot serve as an output folder (made, with its parents, if missing), or
    None if it can. Commands ask before a run of minutes, not when its first file is written
    after it; nothing is created here."""
    if "\x00" in str(folder):  # os.stat's ValueError, not an OSError
        return FolderProblem(folder, "cannot be made: its name holds a NUL character")
    for part in folder.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            reason = f"cannot be made: a name in it is longer than {NAME_MAX} bytes ({part[:24]}…)"
            return FolderProblem(folder, reason)
    current = folder
    while True:
        try:
            found = current.stat()
            break
        except (FileNotFoundError, NotADirectoryError):
            if os.path.lexists(current):  # a symbolic link to nothing: mkdir would fail on it
                return FolderProblem(current, _so(folder, current, "is a link to nothing"))
            if current.parent == current:
                return FolderProblem(folder, "cannot be made: none of its parents exists")
            current = current.parent
        except OSError as exc:  # a loop of links, a name the system refuses
            return FolderProblem(folder, f"cannot be used: {os_error_text(exc)}")
    if not stat.S_ISDIR(found.st_mode):
        what = "is a file, not a folder" if stat.S_ISREG(found.st_mode) else "is not a folder"
        return FolderProblem(current, _so(folder, current, what))
    if not os.access(current, os.W_OK | os.X_OK):
        return FolderProblem(
            current, _so(folder, current, "is a folder this user may not write in")
        )
    return None


def _so(folder: Path, current: Path, what: str) -> str:
    return what if current == folder else f"{what}, so {folder} cannot be made in it"


def os_error_text(exc: OSError) -> str:
    """An OSError's reason in words, without the errno and the repeated path Python adds:
    "permission denied", "no space left on device"."""
    words = exc.strerror or str(exc) or type(exc).__name__
    return words[:1].lower() + words[1:]


class UnreadableFile(OSError):
    """A text file a command was given that cannot be read as UTF-8 text; `reason` says why in
    words ("is a folder, not a file"), for a message naming the option or key."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path} {reason}")
        self.path, self.reason = path, reason


def read_text_file(path: Path) -> str:
    """The UTF-8 text of a file a user named (a scenario, a sweep, a policy), or UnreadableFile:
    a folder, a missing file or another encoding is a usage error, not a traceback."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnreadableFile(path, "does not exist") from None
    except IsADirectoryError:
        raise UnreadableFile(path, "is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        reason = f"is not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}); save it as UTF-8"
        raise UnreadableFile(path, reason) from None
    except OSError as exc:
        raise UnreadableFile(path, f"cannot be read ({os_error_text(exc)})") from None


def folder_name_problem(name: str, max_bytes: int) -> str | None:
    """Why `name` cannot name a folder of its own (a path, a control character, too long)."""
    if any(c in name for c in "/\\") or name in {".", ".."}:  # a path would write elsewhere
        return "names the output folder: no '/', '\\', '.' or '..'"
    control = next((c for c in name if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        return f"names the output folder: no control characters ({control!r} found)"
    size = len(name.encode("utf-8"))
    if size > max_bytes:
        return f"names the output folder: at most {max_bytes} bytes of UTF-8, not {size}"
    return None
