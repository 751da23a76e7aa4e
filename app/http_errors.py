"""The one place that maps domain errors to HTTP: status from the error's category, a human
`detail` and a stable `code` in every error body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import validation_text
from app.route_contexts import route_contexts
from app.workflow.errors import (
    Category,
    DatabaseUnavailable,
    DomainError,
    RateLimited,
    RuleViolation,
)

STATUS: dict[Category, int] = {
    Category.NOT_FOUND: 404,
    Category.FORBIDDEN: 403,
    Category.RULE: 422,
    Category.CONFLICT: 409,
    Category.INVALID: 422,
    Category.LIMITED: 429,
    Category.UNAVAILABLE: 503,
}


class ApiError(Exception):
    """An HTTP-level refusal (authentication, role) raised by the shell, not the core."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def _body(detail: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "code": code, **extra}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _problem(error: dict[str, Any], content_type: str) -> dict[str, str]:
    """One validation error as the field and a reason a person can act on."""
    loc = tuple(error.get("loc", ()))
    kind = error.get("type")
    if kind == "json_invalid":
        # FastAPI puts the decoder's character offset where a field name goes: ("body", 13)
        # would read as a field "13". It is the body, and the offset belongs in the reason.
        where = loc[1] if len(loc) > 1 else 0
        why = (error.get("ctx") or {}).get("error", "JSON decode error")
        return {"field": "body", "reason": f"not valid JSON ({why} at character {where})"}
    if loc == ("body",) and kind in ("model_attributes_type", "dict_type"):
        # Without a JSON content type FastAPI hands the model the raw bytes (curl -d sends
        # application/x-www-form-urlencoded), and pydantic's "valid dictionary" hides why.
        if not _is_json(content_type):
            return {
                "field": "body",
                "reason": "must be a JSON object sent with Content-Type: application/json "
                f"(got {content_type or 'no Content-Type'})",
            }
        return {"field": "body", "reason": "must be a JSON object ({...})"}
    return {"field": _field(loc), "reason": validation_text.reason(error)}


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at the request's path, for a 405's `Allow` (RFC 9110
    15.5.6). The router names only the first route it matched, so GET /me/settings answered
    a DELETE with `Allow: GET` and hid PUT."""
    path = request.scope["path"][len(request.scope.get("root_path", "")) :]
    methods: set[str] = set()
    for context in route_contexts(request.app):
        regex = getattr(context, "path_regex", None)
        if regex is not None and regex.match(path):
            methods |= getattr(context, "methods", None) or set()
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        extra: dict[str, Any] = {}
        headers = {}
        if isinstance(exc, RuleViolation) and exc.rules:
            extra["rules"] = list(exc.rules)
        if isinstance(exc, RateLimited | DatabaseUnavailable):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        return JSONResponse(_body(exc.detail, exc.code, **extra), STATUS[exc.category], headers)

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        return JSONResponse(_body(exc.detail, exc.code), exc.status, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        content_type = request.headers.get("content-type", "")
        errors = [_problem(e, content_type) for e in exc.errors()]
        first = errors[0] if errors else {"field": "body", "reason": "invalid"}
        detail = f"{first['field']}: {first['reason']}"
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more)"
        return JSONResponse(_body(detail, "validation_error", errors=errors), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # an HTTPException with a code of its own: one raised while the body is read (strict_json)
        code = getattr(exc, "code", None) or {
            400: "malformed_body",
            404: "route_not_found",
            405: "method_not_allowed",
        }.get(exc.status_code, "http_error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        return JSONResponse(_body(str(exc.detail), code), exc.status_code, headers)
