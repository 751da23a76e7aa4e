"""The API's query strings are strict: a parameter a route does not take, or one given twice, is
refused (422 `validation_error` naming it) rather than ignored.

An auditor who types `/reports/transparency?form=2024-01-01T00:00:00Z` (for `from`) would
otherwise get a report on the default year, with nothing to say the date was never read; and
`?limit=10&limit=500` silently kept the last value. A refusal is the answer a person can act on.
The JSON API only: the web pages keep their own forms' parameters (app/web/).
"""

from __future__ import annotations

from collections import Counter

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute


def _taken(route: APIRoute) -> tuple[str, ...]:
    """The query parameters a route declares, its dependencies' included, by their wire names."""
    names: set[str] = set()
    pending: list[Dependant] = [route.dependant]
    while pending:  # the public fields of FastAPI's Dependant; its own flattener is internal
        dependant = pending.pop()
        names |= {field.alias for field in dependant.query_params}
        pending += dependant.dependencies
    return tuple(sorted(names))


def _takes(names: tuple[str, ...]) -> str:
    return "; this path takes " + (", ".join(names) if names else "none")


async def refuse_unknown_query(request: Request) -> None:
    """A router-level dependency (app/main.py). Async: it does no I/O, so it needs no thread. The
    walk of the route's dependencies is done only for a request with a query string, a few µs."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    taken = _taken(route)
    given = Counter(name for name, _ in request.query_params.multi_items())
    errors = []
    for name, times in given.items():  # in the order first given
        if name not in taken:
            why = "unknown query parameter" + _takes(taken)
        elif times > 1:
            why = f"given {times} times; each query parameter is read once"
        else:
            continue
        errors.append({"type": "query_strict", "loc": ("query", name), "msg": why})
    if errors:
        raise RequestValidationError(errors)
