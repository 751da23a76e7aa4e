"""The OpenAPI document states every error a route can answer, in the body it really has.

FastAPI documents only 200 and a 422 shape (`HTTPValidationError`) that app/http_errors.py never
sends. Here each operation gets the statuses it can answer, all with the one error body
(`detail`, `code`, and for 422 the `errors` or `rules`), so a client generator and a schema
fuzzer (tests/security/test_fuzz.py) check responses against what is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from app.access import ANYONE, EDGE_LIMITS, audience_of, route_key

ERROR_SCHEMA = "ApiError"
_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
_ERROR_BODY: dict[str, Any] = {
    "type": "object",
    "description": "Every error: a human `detail` and a stable `code`.",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "validation_error: each field and the reason",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
        "rules": {
            "type": "array",
            "description": "a refused workflow rule: the policy rules that fired",
            "items": {"type": "string"},
        },
    },
}
_MEANING = {
    "400": "The body could not be read as JSON text (`malformed_body`: e.g. not UTF-8, "
    "such as UTF-16, or starting with a byte order mark).",
    "401": "No valid bearer token.",
    "403": "The wrong role, an agency without an active partnership, or an unlisted route.",
    "404": "No such object, or one that belongs to someone else (the two look the same).",
    "409": "The object's state forbids the action.",
    "413": "The request body is too large.",
    "422": "Malformed input (`errors` names the fields; a value of the wrong JSON type, such as "
    '"500" for a number, is refused, not converted; so is a query parameter the path does not '
    "take, or one given twice, or an integer parameter not written in plain digits 0-9; "
    "`duplicate_key` for a JSON object that gives a key twice, `non_finite_number` for NaN, "
    "Infinity or a number beyond a float) or a refused workflow rule "
    "(`rules`).",
    "429": "A rate limit; `Retry-After` says when to try again.",
    "503": "The database is unreachable (`database_unavailable`) or stayed busy through the "
    "retries (`database_busy`); nothing was changed, and `Retry-After` says when to try again.",
}
# The only operations that never touch the database (docs/operations.md, "Faults"): every other
# one answers 503 when it is gone, /healthz on purpose.
NO_DATABASE = frozenset({"GET /policy", "GET /audit/log-key"})


def error_statuses(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    key = route_key(method, path)
    statuses = ["422"]  # at least an unknown query parameter (app/query_strict.py)
    if operation.get("requestBody"):
        statuses += ["400", "413"]
    if audience_of(key) != ANYONE:
        statuses += ["401", "403", "404"]
        if method.upper() != "GET":
            statuses.append("409")
    if key in EDGE_LIMITS:
        statuses.append("429")
    if key not in NO_DATABASE:
        statuses.append("503")
    return sorted(set(statuses))


def _document(schema: dict[str, Any]) -> dict[str, Any]:
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, path, operation):
                response: dict[str, Any] = {
                    "description": _MEANING[status],
                    "content": {"application/json": {"schema": _REF}},
                }
                if status in ("429", "503"):
                    response["headers"] = {
                        "Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}
                    }
                responses[status] = response
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA] = _ERROR_BODY
    # The shapes FastAPI documents for 422 are never sent; drop them once nothing refers to them.
    text = str(schema["paths"])
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}'" not in text:
            components.pop(unused, None)
    return schema


def install(app: FastAPI) -> None:
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
