"""Request bodies are read as JSON in which no object gives a key twice.

Python's JSON reader, like most, keeps the last of `{"radius_m": 100, "radius_m": 5000}`, and
another reader may keep the first (RFC 8259 section 4 leaves it open): a client, a proxy and
the service could each act on a different body, and an auditor reading the request could not
tell which the client meant. Such a body is refused, 422 `duplicate_key`, naming the key.

FastAPI reads a route's body with `request.json()`; `StrictJsonRoute` hands its handler a request
whose `json()` parses with an `object_pairs_hook` that checks the keys, in the same single
parse (a dict built from the pairs; the pairs are searched only when the dict came out
shorter). The refusal is an HTTPException because FastAPI lets only that through its body read
(any other exception there becomes a 400); app/http_errors.py gives it its `code`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute


class DuplicateKey(HTTPException):
    code = "duplicate_key"

    def __init__(self, key: str) -> None:
        super().__init__(
            422,
            f"The JSON body gives the key {json.dumps(key)} more than once in one object; "
            "send each key once.",
        )
        self.key = key


class RepeatedKey(ValueError):
    """An object gave `key` twice (parse): what DuplicateKey says over HTTP, for any reader."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {json.dumps(key)} is given more than once in one object")
        self.key = key


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise RepeatedKey(key)
            seen.add(key)
    return found


def parse(text: bytes | str) -> Any:
    """json.loads, refusing an object that gives a key twice (RepeatedKey, a ValueError).
    Also the offline audit verifier's reader of a bundle's lines (app/audit/verifier.py)."""
    return json.loads(text, object_pairs_hook=_unique)


def loads(text: bytes | str) -> Any:
    """parse, for a request body: a repeated key is DuplicateKey (422 `duplicate_key`)."""
    try:
        return parse(text)
    except RepeatedKey as exc:
        raise DuplicateKey(exc.key) from None


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """The JSON API's routes (`APIRouter(route_class=StrictJsonRoute)`): bodies via `loads`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict
