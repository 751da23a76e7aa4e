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
from collections.abc import Callable, Collection, Iterator

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
    """The kept entries, in order, indexed by the record they are about.

    `notice.sent` is most of what the checks read (a notice per resident a request reaches:
    more than four in five of the entries read in a simulated year), and most of those
    entries are read for their sequence number alone. So a notice's entries are indexed by
    number, not kept: I6's replay (a notice to a resident who had opted out) is run as they
    pass, and a notice's whole entries are kept only when `wanted` names it (the notices
    consents answer, whose resident the record checks compare). `decision.release` is read
    for what it allowed alone. Held whole, the two were most of what a verify of a simulated
    year held (docs/performance.md, "The million-camera year, served").
    """

    def __init__(self, wanted: Collection[str] = ()) -> None:
        self.entries: list[AuditEntry] = []
        self.by_subject: dict[tuple[str, str], list[AuditEntry]] = defaultdict(list)
        # Releases a logged policy decision allowed: the policy in force declared the basis.
        self.allowed_releases: dict[str, list[int]] = defaultdict(list)
        self.wanted = frozenset(wanted)
        # Each notice's first `notice.sent`, and any further ones (a forged duplicate).
        self.notice_sent: dict[str, int] = {}
        self.notice_sent_again: dict[str, list[int]] = defaultdict(list)
        # I6, replayed in log order: residents opted out (by the entry that said so), and each
        # notice sent to one, as (notice, that opt-out's entry, the notice's entry).
        self.opted_out: dict[str, int] = {}
        self.notices_to_opted_out: list[tuple[str, int, int]] = []

    def add(self, page: list[AuditEntry]) -> None:
        for e in page:
            action = e.action
            if action == "notice.sent":
                self._notice_sent(e)
                if e.subject_id not in self.wanted and e.subject_type not in KEPT_SUBJECTS:
                    continue
            elif action == "decision.release":
                # Read for what it allowed alone; its payload (the policy's whole input, about
                # 1.4 KB of JSON) is the largest of any kept entry's.
                about = e.data.get("about")
                if isinstance(about, dict) and e.data.get("result") == "allow":
                    self.allowed_releases[str(about.get("id"))].append(e.seq)
                if e.subject_type not in KEPT_SUBJECTS:
                    continue
            elif action == "resident.settings_changed":
                if e.data.get("opted_out"):
                    self.opted_out[e.subject_id] = e.seq
                else:
                    self.opted_out.pop(e.subject_id, None)
                if e.subject_type not in KEPT_SUBJECTS:
                    continue
            elif action not in KEPT_ACTIONS and e.subject_type not in KEPT_SUBJECTS:
                continue
            self.entries.append(e)
            self.by_subject[(action, e.subject_id)].append(e)

    def _notice_sent(self, e: AuditEntry) -> None:
        if e.subject_id in self.notice_sent:
            self.notice_sent_again[e.subject_id].append(e.seq)
        else:
            self.notice_sent[e.subject_id] = e.seq
        resident = str(e.data.get("resident_id", ""))
        if resident in self.opted_out:
            self.notices_to_opted_out.append((e.subject_id, self.opted_out[resident], e.seq))

    def seqs(self, action: str, subject: object) -> tuple[int, ...]:
        key = str(subject)
        if action == "notice.sent":
            first = self.notice_sent.get(key)
            return () if first is None else (first, *self.notice_sent_again.get(key, ()))
        return tuple(e.seq for e in self.by_subject.get((action, key), ()))


class TreeCheck:
    """The Merkle tree rebuilt from the entries a page at a time, keeping only its frontier:
    each page's completed nodes are compared with the stored ones as they are made."""

    def __init__(self) -> None:
        self.size = 0
        self.frontier: dict[NodeKey, bytes] = {}
        self.leaves_ok = True
        self.first_bad_leaf: int | None = None  # the first entry whose stored leaf hash is wrong
        self.bad_nodes: list[NodeKey] = []  # stored subtrees the entries do not produce

    def feed(self, ctx: Ctx, page: list[AuditEntry], bodies: list[bytes]) -> None:
        leaves = [merkle.leaf_hash(body) for body in bodies]
        if self.leaves_ok:
            wrong = (
                self.size + n
                for n, (leaf, e) in enumerate(zip(leaves, page, strict=True))
                if leaf.hex() != e.leaf_hash
            )
            self.first_bad_leaf = next(wrong, None)
            self.leaves_ok = self.first_bad_leaf is None
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

    def __init__(self, ctx: Ctx, wanted: Collection[str] = ()) -> None:
        """`wanted`: the notices whose `notice.sent` entries are kept whole (KeptLog)."""
        self.chain, self.tree, self.log = ChainVerifier(), TreeCheck(), KeptLog(wanted)
        for page in entry_pages(ctx):
            bodies = [canonical_bytes(e) for e in page]  # once for both hashes
            self.chain.feed(page, bodies)
            self.tree.feed(ctx, page, bodies)
            self.log.add(page)
