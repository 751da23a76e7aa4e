"""The audit log read once, a page at a time, for the live checks (GET /audit/verify).

Reading the whole log first held every entry, every leaf and every Merkle node at once (about
3.4 KB an entry: 1.1 GB for a simulated city's 329,000-entry year), and on PostgreSQL left the
read transaction idle while it hashed them, longer as the log grew, until the server's
`idle_in_transaction_session_timeout` (the one bound, app/store/bounds.py) ended the session
and the auditor got a 503. Here each page is checked as it arrives (its links, its leaves, the
Merkle nodes it completes against the stored ones) before the next is read, so the work between
two statements is one page's, and only the entries the invariants read are kept (`KEPT`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from app.workflow import audit, merkle
from app.workflow.audit import ChainVerifier, canonical_bytes
from app.workflow.context import Ctx
from app.workflow.merkle import NodeKey
from app.workflow.records import AuditEntry

PAGE = 5_000

# The entries the live checks read (app/workflow/live_checks.py, record_checks.py): those looked
# up by action, and those whose subject must still be in the database. Any entry with one of
# these actions or subject types is kept, whatever else it says, so a forged one is seen.
KEPT_ACTIONS = frozenset(
    {
        "release.created",
        "release.downloaded",
        "release.revoked",
        "consent.given",
        "consent.withdrawn",
        "request.filed",
        "request.closed",
        "notice.sent",
        "resident.settings_changed",
        "decision.release",
    }
)
KEPT_SUBJECTS = frozenset({"release", "consent", "request"})


def entry_pages(ctx: Ctx) -> Iterator[list[AuditEntry]]:
    """Every stored entry, in order, in pages of sequence numbers up to the tail.

    Stops at the tail, not at the first short or empty page: entries deleted behind the
    service's back leave gaps, and the entries after a gap must still be read (and the gap
    then named by the verifier), neither skipped nor read twice."""
    end = audit.log_size(ctx)
    for start in range(0, end, PAGE):
        yield ctx.store.audit_entries(start, min(PAGE, end - start))


def entries_where(ctx: Ctx, keep: Callable[[AuditEntry], bool]) -> Iterator[AuditEntry]:
    """The entries `keep` wants, in order, read a page at a time as they are used (inside the
    caller's transaction): a reader of one kind of entry never holds the log, nor that kind."""
    return (entry for page in entry_pages(ctx) for entry in page if keep(entry))


class KeptLog:
    """The kept entries, in order, indexed by the record they are about."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []
        self.by_subject: dict[tuple[str, str], list[AuditEntry]] = defaultdict(list)
        # Releases a logged policy decision allowed: the policy in force declared the basis.
        self.allowed_releases: dict[str, list[int]] = defaultdict(list)

    def add(self, page: list[AuditEntry]) -> None:
        for e in page:
            if e.action not in KEPT_ACTIONS and e.subject_type not in KEPT_SUBJECTS:
                continue
            self.entries.append(e)
            self.by_subject[(e.action, e.subject_id)].append(e)
            about = e.data.get("about") if e.action == "decision.release" else None
            if isinstance(about, dict) and e.data.get("result") == "allow":
                self.allowed_releases[str(about.get("id"))].append(e.seq)

    def seqs(self, action: str, subject: object) -> tuple[int, ...]:
        return tuple(e.seq for e in self.by_subject.get((action, str(subject)), ()))


class TreeCheck:
    """The Merkle tree rebuilt from the entries a page at a time, keeping only its frontier:
    each page's completed nodes are compared with the stored ones as they are made."""

    def __init__(self) -> None:
        self.size = 0
        self.frontier: dict[NodeKey, bytes] = {}
        self.leaves_ok = True
        self.bad_nodes: list[NodeKey] = []  # stored subtrees the entries do not produce

    def feed(self, ctx: Ctx, page: list[AuditEntry], bodies: list[bytes]) -> None:
        leaves = [merkle.leaf_hash(body) for body in bodies]
        self.leaves_ok = self.leaves_ok and all(
            leaf.hex() == e.leaf_hash for leaf, e in zip(leaves, page, strict=True)
        )
        nodes = dict(self.frontier)
        self.size = merkle.fold_leaves(self.size, leaves, nodes)
        made = {key: value for key, value in nodes.items() if key not in self.frontier}
        # Each made node is read once: keeping them (the SQL store's cache) held the whole tree.
        stored = ctx.store.merkle_nodes(list(made), remember=False)
        self.bad_nodes += [key for key, value in made.items() if stored.get(key) != value]
        self.frontier = {key: nodes[key] for key in merkle.frontier_keys(self.size)}

    def root(self) -> bytes:
        return merkle.root_from_frontier(self.size, self.frontier)


class LogScan:
    """One pass over the log: its chain, its tree and the kept entries."""

    def __init__(self, ctx: Ctx) -> None:
        self.chain, self.tree, self.log = ChainVerifier(), TreeCheck(), KeptLog()
        for page in entry_pages(ctx):
            bodies = [canonical_bytes(e) for e in page]  # once for both hashes
            self.chain.feed(page, bodies)
            self.tree.feed(ctx, page, bodies)
            self.log.add(page)
