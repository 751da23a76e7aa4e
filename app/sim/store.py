"""Ways to run a workflow step: in memory, or in an SQL transaction per step.

Both hand the step a `Ctx` over the same services; only persistence differs. For large runs the
in-memory store can keep just the audit chain's head instead of every entry: the head hash
commits to the whole log, so two runs with the same head wrote the same log.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, TypeVar
from uuid import UUID

from app.clock import SimulatedClock
from app.db import Database
from app.files import NEW_FILE, folder_problem
from app.policies.base import Policy
from app.store.memory import MemoryStore
from app.workflow import merkle
from app.workflow.context import Ctx
from app.workflow.decisions import POLICY_ACTION
from app.workflow.records import AuditEntry
from app.workflow.store import Store

try:  # POSIX: flock, to tell a running simulation's file from a killed one's leftover
    import fcntl

    FLOCK: Callable[[int, int], None] | None = fcntl.flock
    EXCLUSIVE_NOW = fcntl.LOCK_EX | fcntl.LOCK_NB
except ImportError:  # pragma: no cover  (elsewhere a leftover cannot be told from a rival)
    FLOCK, EXCLUSIVE_NOW = None, 0

T = TypeVar("T")


class StepRunner(Protocol):
    def __call__(self, step: Callable[[Ctx], T]) -> T: ...

    def audit_head(self) -> tuple[int, str]:
        """The number of audit entries and the last entry's hash."""
        ...


class HeadOnlyAuditStore(MemoryStore):
    """A memory store that keeps only the last audit entry, so memory stays bounded.

    It writes the same log as a full store: the entries a service looks up while it runs
    (`FOUND_ACTIONS`: the policy's parameters, logged once per hash) are kept for `audit_find`,
    and only the Merkle frontier (at most one node per level) is kept, which is all an append
    reads. A lookup of any other action, or of a root or proof, is refused rather than answered
    from a log this store does not hold.
    """

    FOUND_ACTIONS = frozenset({POLICY_ACTION})

    def __init__(self) -> None:
        super().__init__()
        self._tail: AuditEntry | None = None

    def audit_tail(self) -> AuditEntry | None:
        return self._tail

    def append_audit(self, entry: AuditEntry) -> None:
        expected = 0 if self._tail is None else self._tail.seq + 1
        if entry.seq != expected:
            raise ValueError("audit entries must be appended in order")
        self._tail = entry
        if entry.action in self.FOUND_ACTIONS:
            self._audit_index[(entry.action, entry.subject_id)].append(entry)

    def audit_entries(self, start: int, limit: int) -> list[AuditEntry]:
        raise NotImplementedError("this store keeps only the audit head (run with keep_audit)")

    def audit_with_action(self, action: str) -> list[AuditEntry]:
        raise NotImplementedError("this store keeps only the audit head (run with keep_audit)")

    def audit_find(self, *, action: str, subject_id: str) -> list[AuditEntry]:
        if action not in self.FOUND_ACTIONS:
            raise NotImplementedError(f"this store keeps no {action} entries (run with keep_audit)")
        return super().audit_find(action=action, subject_id=subject_id)

    def add_merkle_nodes(self, nodes: Mapping[tuple[int, int], bytes]) -> None:
        """Keep the frontier only: a node's two children are never read again by an append."""
        super().add_merkle_nodes(nodes)
        kept = self._nodes
        for level, index in nodes:
            if level:
                kept.pop((level - 1, 2 * index), None)
                kept.pop((level - 1, 2 * index + 1), None)

    def add_merkle_leaf(self, index: int, leaf: bytes) -> None:
        super().add_merkle_leaf(index, leaf)
        if len(self._leaves) >= self.FOLD_EVERY:
            self._fold()

    FOLD_EVERY = 1024  # leaves held before folding: bounded memory, few folds

    def _fold(self) -> None:
        """Fold the pending leaves into the frontier, the only nodes kept (and all it reads)."""
        nodes, size = self._nodes, self._tree_size
        frontier = [nodes[key] for key in merkle.frontier_keys(size)]
        size = merkle.fold_frontier(size, self._leaves, frontier)
        self._nodes = dict(zip(merkle.frontier_keys(size), frontier, strict=True))
        self._tree_size = size
        self._leaves.clear()

    def merkle_nodes(
        self, keys: Collection[tuple[int, int]], *, remember: bool = True
    ) -> dict[tuple[int, int], bytes]:
        found = super().merkle_nodes(keys, remember=remember)
        if len(found) != len(keys):
            raise NotImplementedError("this store keeps only the Merkle frontier")
        return found


def _head(store: Store) -> tuple[int, str]:
    tail = store.audit_tail()
    return (0, "0" * 64) if tail is None else (tail.seq + 1, tail.entry_hash)


class MemoryRunner:
    def __init__(
        self,
        clock: SimulatedClock,
        policy: Policy,
        new_id: Callable[[], UUID],
        *,
        keep_audit: bool = True,
    ) -> None:
        self.store: MemoryStore = MemoryStore() if keep_audit else HeadOnlyAuditStore()
        self.ctx = Ctx(self.store, clock, policy, new_id)

    def __call__(self, step: Callable[[Ctx], T]) -> T:
        return step(self.ctx)

    def audit_head(self) -> tuple[int, str]:
        return _head(self.store)


class DatabaseExists(ValueError):
    def __init__(self, path: Path, reason: str = "already holds a database") -> None:
        super().__init__(f"{path} {reason}; choose a new file")


class SqlRunner:
    """One SQL transaction per step, exactly as the REST service runs one per request."""

    def __init__(
        self, url: str, clock: SimulatedClock, policy: Policy, new_id: Callable[[], UUID]
    ) -> None:
        self.db = Database(url)
        self.db.create_schema()
        self.clock, self.policy, self.new_id = clock, policy, new_id
        # new_sqlite: the file being written, and the name it takes once the run has finished;
        # a descriptor holding the file's lock while it is written (`_claim`).
        self.building: tuple[Path, Path] | None = None
        self.lock: int | None = None
        self.reserved: tuple[int, int] | None = None

    @classmethod
    def new_sqlite(
        cls, path: Path, clock: SimulatedClock, policy: Policy, new_id: Callable[[], UUID]
    ) -> SqlRunner:
        """A runner writing a new SQLite file; an existing file is never touched."""
        if path.is_symlink():  # SQLite would write wherever it points (a shared folder's trap)
            raise DatabaseExists(path, "is a symbolic link")
        if path.is_dir():
            raise DatabaseExists(path, "is a folder, not a file")
        # An empty file a user made (to reserve the name) may be replaced by the finished
        # year: that very file, and nothing that takes its place meanwhile.
        empty = path.stat() if path.exists() else None
        if empty is not None and empty.st_size > 0:
            raise DatabaseExists(path)
        problem = folder_problem(path.parent)  # SQLite's own words would be a traceback
        if problem is not None:
            raise DatabaseExists(path, f"cannot be made: {problem}")
        # Written under a temporary name and renamed when the year is done (`finish`): a run
        # killed outright (SIGKILL, out of memory, power lost), which no handler sees, leaves
        # no half-simulated year under the name `serve --db` would serve as whole; the next
        # run removes what it left.
        partial = path.with_name(f".{path.name}.partial")
        path.parent.mkdir(parents=True, exist_ok=True)  # as SQLite's own file would have been
        lock = _claim(partial)
        if lock is None:
            raise DatabaseExists(path, f"is being written by another run ({partial})")
        try:
            runner = cls(f"sqlite:///{partial}", clock, policy, new_id)
        except BaseException:
            os.close(lock)
            remove_sqlite(partial)
            raise
        runner.building, runner.lock = (partial, path), lock
        runner.reserved = (empty.st_dev, empty.st_ino) if empty is not None else None
        return runner

    def finish(self) -> None:
        """Close the database and, for new_sqlite, give the finished file its name. Raises
        DatabaseExists, and removes the finished file, if another file took the name meanwhile:
        it is never replaced."""
        self.db.dispose()
        if self.building is None:
            return
        partial, path = self.building
        # The last connection to close folds the write-ahead log into the main file; this one
        # makes sure of it, since the main file alone is published.
        with contextlib.closing(sqlite3.connect(partial)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        remove_sqlite(partial, main=False)
        # Side files already at the name are stale or planted: SQLite would replay a planted
        # write-ahead log into the finished year the first time it is opened.
        remove_sqlite(path, main=False)
        try:
            _publish(partial, path, self.reserved)
        except BaseException:
            self.discard()
            raise
        self._unlock()

    def discard(self) -> None:
        """Close the database and, for new_sqlite, remove the unfinished file."""
        self.db.dispose()
        if self.building is not None:
            remove_sqlite(self.building[0])
        self._unlock()

    def _unlock(self) -> None:
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None

    def __call__(self, step: Callable[[Ctx], T]) -> T:
        with self.db.write() as store:
            return step(Ctx(store, self.clock, self.policy, self.new_id))

    def audit_head(self) -> tuple[int, str]:
        with self.db.read() as store:
            return _head(store)

    @contextmanager
    def reading(self) -> Iterator[Store]:
        with self.db.read() as store:
            yield store

    def close(self) -> None:
        self.db.dispose()


SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _claim(partial: Path) -> int | None:
    """A new empty file at `partial`, locked (flock) for as long as the returned descriptor is
    open; None if another run holds the file there. A file nobody holds is a killed run's
    leftover and is removed first. The kernel drops the lock when its process dies, however it
    dies; SQLite's own locks are fcntl locks, which flock's do not touch (Linux, BSD)."""
    for _ in range(2):  # a leftover removed, or a rival's file gone, is tried once more
        if os.path.lexists(partial) and FLOCK is not None:
            try:
                held = os.open(partial, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError:
                held = None  # a link, or gone: removed below all the same
            if held is not None:
                try:
                    FLOCK(held, EXCLUSIVE_NOW)
                except BlockingIOError:
                    return None
                finally:
                    os.close(held)
        # A killed run's leftovers, side files included, even with no main file beside them (a
        # link at the -shm name alone made SQLite fail to open the new database).
        remove_sqlite(partial)
        try:
            fd = os.open(partial, NEW_FILE, 0o600)
        except FileExistsError:
            continue
        if FLOCK is not None:
            FLOCK(fd, EXCLUSIVE_NOW)
        return fd
    return None


def _publish(partial: Path, path: Path, reserved: tuple[int, int] | None) -> None:
    """Give `partial` the name `path` without replacing whatever is there, unless it is the
    empty file `reserved` (device, inode) that the user made before the run."""
    try:
        os.link(partial, path)  # fails if anything, a link included, has the name
    except FileExistsError:
        there = os.lstat(path)
        if reserved != (there.st_dev, there.st_ino) or there.st_size:
            raise DatabaseExists(path, "was made by another program while the run went") from None
        os.replace(partial, path)
        return
    except OSError:  # a file system without hard links: the name is checked, then taken
        if os.path.lexists(path) and reserved is None:
            raise DatabaseExists(path, "was made by another program while the run went") from None
        os.replace(partial, path)
        return
    os.unlink(partial)


def remove_sqlite(path: Path, *, main: bool = True) -> None:
    """Remove a SQLite file (unless not `main`) and its side files; a link at a name is
    removed, not followed."""
    names = [f"{path}{suffix}" for suffix in SQLITE_SIDE_FILES] + ([str(path)] if main else [])
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
