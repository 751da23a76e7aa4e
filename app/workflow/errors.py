"""The core's own exceptions. One place (app/http_errors.py) maps their category to HTTP.

Each carries a stable machine-readable `code` and a human `detail`; clients branch on the code,
people read the detail.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    NOT_FOUND = "not_found"  # absent, or someone else's: the two must look the same
    FORBIDDEN = "forbidden"  # the actor may not do this at all (role, partnership)
    RULE = "rule"  # a workflow rule refuses the action (expired, out of scope, too large)
    CONFLICT = "conflict"  # the object's state does not allow the action
    INVALID = "invalid"  # well-formed but meaningless input
    LIMITED = "limited"  # a rate limit
    UNAVAILABLE = "unavailable"  # the database is unreachable or busy: try again


class DomainError(Exception):
    category: Category = Category.RULE
    code: str = "rule_violated"
    # A step to run in a fresh transaction once this error has rolled the call back: it logs
    # the refused decision (a record, not a state change). Runtime.write runs it.
    after_rollback: Callable[[Any], object] | None = None

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class NotFound(DomainError):
    category = Category.NOT_FOUND
    code = "not_found"

    def __init__(self, kind: str) -> None:
        super().__init__(f"No {kind} with that id.", code=f"{kind.replace(' ', '_')}_not_found")


class Forbidden(DomainError):
    category = Category.FORBIDDEN
    code = "forbidden"


class PartnershipInactive(Forbidden):
    code = "partnership_inactive"

    def __init__(self) -> None:
        super().__init__(
            "This agency has no active partnership with the platform; the portal is closed to it."
        )


class RuleViolation(DomainError):
    """A policy rule refused the action; `rules` names the rules that fired."""

    category = Category.RULE

    def __init__(self, detail: str, *, code: str, rules: tuple[str, ...] = ()) -> None:
        super().__init__(detail, code=code)
        self.rules = rules


class RequestNotOpen(DomainError):
    category = Category.CONFLICT
    code = "request_not_open"

    def __init__(self, status: str) -> None:
        super().__init__(f"The request is {status}; it accepts no responses.")


class RequestNotPendingReview(RequestNotOpen):
    """The operator's review (approve, reject, exception) of a request no longer waiting for it.
    Same code as RequestNotOpen, which clients branch on; the detail says what the operator
    can act on, where "The request is open; it accepts no responses" contradicted itself."""

    def __init__(self, status: str) -> None:
        DomainError.__init__(
            self,
            f"The request is {status}, not pending review: only a request waiting for review "
            "can be approved, rejected or approved as an exception.",
        )


class IllegalTransition(DomainError):
    category = Category.CONFLICT
    code = "illegal_transition"

    def __init__(self, what: str, current: str, target: str) -> None:
        super().__init__(f"A {what} that is {current} cannot become {target}.")


class ClipNotInScope(DomainError):
    category = Category.RULE
    code = "clip_not_in_scope"


class ClipAlreadyShared(DomainError):
    """A share naming a clip that a consent still given for this request already covers: a
    second consent for it would let the resident withdraw one while the release, which hangs
    on the other, stays with the agency."""

    category = Category.CONFLICT
    code = "clip_already_shared"


class InvalidInput(DomainError):
    category = Category.INVALID
    code = "invalid_input"


class RateLimited(DomainError):
    category = Category.LIMITED
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class DatabaseUnavailable(DomainError):
    """The database could not be reached, or the connection broke mid-call: nothing from this
    call was committed, and the client may try again."""

    category = Category.UNAVAILABLE
    code = "database_unavailable"

    def __init__(self, detail: str = "", *, retry_after_seconds: int = 1) -> None:
        super().__init__(
            detail
            or "The database is unreachable; this call could not be completed. Try again shortly."
        )
        self.retry_after_seconds = retry_after_seconds


class DatabaseBusy(DatabaseUnavailable):
    """A deadlock, serialization failure or lock timeout outlasted the bounded retries."""

    code = "database_busy"

    def __init__(self, attempts: int) -> None:
        super().__init__(
            f"The database stayed busy through {attempts} attempts; nothing was changed. "
            "Try again shortly."
        )
