"""One broken invariant, with the audit entries that show it (the live checks' unit)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Violation:
    invariant: str
    detail: str
    subject_type: str
    subject_id: str
    entries: tuple[int, ...] = ()


def violation(
    invariant: str, detail: str, kind: str, subject: object, seqs: Iterable[int] = ()
) -> Violation:
    return Violation(invariant, detail, kind, str(subject), tuple(sorted(set(seqs))))
