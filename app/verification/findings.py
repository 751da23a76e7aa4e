"""What the checker reports: findings, each a genuine violation or a declared exception."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    # The guarantee is broken: no rule of the policy excuses it.
    VIOLATION = "violation"
    # Strict consent is broken, but by an exception the policy declares (emergency, legal).
    DECLARED_EXCEPTION = "declared_exception"


@dataclass(frozen=True, slots=True)
class Finding:
    invariant: str  # "I1" ... "I8", or "conformance" where the service disagrees with the model
    verdict: Verdict
    message: str

    def line(self) -> str:
        tag = "declared exception" if self.verdict is Verdict.DECLARED_EXCEPTION else "VIOLATION"
        return f"[{self.invariant} {tag}] {self.message}"


class GuaranteeBroken(AssertionError):
    """Raised inside the state machine so hypothesis shrinks to the shortest trace."""

    def __init__(self, findings: list[Finding], trace: list[str]) -> None:
        self.findings = list(findings)
        self.trace = list(trace)
        lines = [*trace, *(f.line() for f in findings)]
        super().__init__("\n".join(lines))


def violation(invariant: str, message: str) -> Finding:
    """A genuine violation (or a conformance finding): no rule of the policy excuses it."""
    return Finding(invariant, Verdict.VIOLATION, message)
