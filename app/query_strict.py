"""The API's query strings are strict: a parameter a route does not take, or one given twice, is
refused (422 `validation_error` naming it) rather than ignored.

An auditor who types `/reports/transparency?form=2024-01-01T00:00:00Z` (for `from`) would
otherwise get a report on the default year, with nothing to say the date was never read; and
`?limit=10&limit=500` silently kept the last value. A refusal is the answer a person can act on.
The JSON API only: the web pages keep their own forms' parameters (app/web/).

An integer parameter, in the query or the path, is plain ASCII digits. Pydantic's lax integers,
like Python's int(), read `?limit=1_0` as 10 and `+3`, ` 3` or `3.0` as 3: a typo or a client's
own number formatting was taken for a number. The check is here, for every route, rather than
in a type each route must remember to use. No integer parameter of the API means a negative
number, so no sign is taken; the bounds (`ge`, `le`) still answer in pydantic's own words.
"""

from __future__ import annotations

import re
import types
from collections import Counter
from typing import Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

DIGITS = re.compile(r"[0-9]+")  # not \d, which takes any script's digits (U+FF13, for one)
INTEGER_TEXT = "must be plain digits 0-9, with no sign, space, underscore or decimal point"


def _is_integer(annotation: Any) -> bool:
    """`int` or `int | None` (bool is its own annotation, never caught here)."""
    if annotation is int:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        members = set(get_args(annotation))
        return int in members and members <= {int, type(None)}
    return False


def _shape(route: APIRoute) -> tuple[tuple[str, ...], set[str], set[str]]:
    """The query parameters a route declares, its dependencies' included, by their wire names;
    and which of its query and path parameters are integers."""
    taken: set[str] = set()
    integer_query: set[str] = set()
    integer_path: set[str] = set()
    pending: list[Dependant] = [route.dependant]
    while pending:  # the public fields of FastAPI's Dependant; its own flattener is internal
        dependant = pending.pop()
        for field in dependant.query_params:
            taken.add(field.alias)
            if _is_integer(field.field_info.annotation):
                integer_query.add(field.alias)
        integer_path |= {
            f.alias for f in dependant.path_params if _is_integer(f.field_info.annotation)
        }
        pending += dependant.dependencies
    return tuple(sorted(taken)), integer_query, integer_path


def _not_digits(where: str, name: str, value: str) -> dict[str, Any]:
    why = f"{INTEGER_TEXT}; got {value!r}"
    return {"type": "integer_text", "loc": (where, name), "msg": why, "input": value}


def _takes(names: tuple[str, ...]) -> str:
    return "; this path takes " + (", ".join(names) if names else "none")


async def refuse_unknown_query(request: Request) -> None:
    """A router-level dependency (app/main.py). Async: it does no I/O, so it needs no thread. The
    walk of the route's dependencies is done only for a request with a query string or path
    parameters, a few µs."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not (request.query_params or request.path_params):
        return
    errors = []
    taken, integer_query, integer_path = _shape(route)
    if request.query_params:
        items = request.query_params.multi_items()
        values = dict(items)
        for name, times in Counter(name for name, _ in items).items():  # in the order given
            if name not in taken:
                why = "unknown query parameter" + _takes(taken)
            elif times > 1:
                why = f"given {times} times; each query parameter is read once"
            else:
                if name in integer_query and not DIGITS.fullmatch(values[name]):
                    errors.append(_not_digits("query", name, values[name]))
                continue
            errors.append({"type": "query_strict", "loc": ("query", name), "msg": why})
    for name, value in request.path_params.items():
        if name in integer_path and not DIGITS.fullmatch(str(value)):
            errors.append(_not_digits("path", name, str(value)))
    if errors:
        raise RequestValidationError(errors)
