"""Refusals on pages: the API's status, `code` and `detail`, shown as HTML instead of JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from pydantic import ValidationError

from app import validation_text
from app.http_errors import STATUS
from app.workflow.errors import DomainError, RuleViolation

T = TypeVar("T")


class WebError(Exception):
    """A page-level refusal; rendered by the handler that `app.web.install` registers."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        rules: tuple[str, ...] = (),
        back: str = "/web/",
        api: bool = True,
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.rules = rules
        self.back = back
        # False for a refusal only the pages make (the lab, sign-in, CSRF): the error page then
        # does not claim that the JSON API answers the same call the same way.
        self.api = api


def from_domain(exc: DomainError, *, back: str) -> WebError:
    """The same status and code the JSON API gives for this domain error (app/http_errors.py)."""
    rules = exc.rules if isinstance(exc, RuleViolation) else ()
    return WebError(STATUS[exc.category], exc.code, exc.detail, rules=rules, back=back)


def from_validation(exc: ValidationError, *, back: str) -> WebError:
    """The first invalid field and its reason, as the API's `validation_error` names them."""
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("form",), "msg": "invalid"}
    field = ".".join(str(p) for p in first.get("loc", ())) or "form"
    detail = f"{field}: {validation_text.reason(first)}"
    if len(errors) > 1:
        detail += f" (and {len(errors) - 1} more)"
    return WebError(422, "validation_error", detail, back=back)


def attempt(step: Callable[[], T], *, back: str) -> T:
    """Run one call of the API's own handlers; its domain refusal becomes the same refusal."""
    try:
        return step()
    except DomainError as exc:
        raise from_domain(exc, back=back) from exc
    except ValidationError as exc:
        raise from_validation(exc, back=back) from exc


def parse_id(value: str, name: str, *, back: str) -> UUID:
    """A malformed id is refused as the API refuses it: 422 naming the field."""
    try:
        return UUID(value)
    except ValueError:
        raise WebError(422, "validation_error", f"{name}: not a valid UUID", back=back) from None
