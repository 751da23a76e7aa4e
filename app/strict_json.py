"""Request bodies are read as UTF-8 JSON in which no object gives a key twice and every number
is finite.

Python's JSON reader, like most, keeps the last of `{"radius_m": 100, "radius_m": 5000}`, and
another reader may keep the first (RFC 8259 section 4 leaves it open): a client, a proxy and
the service could each act on a different body, and an auditor reading the request could not
tell which the client meant. Such a body is refused, 422 `duplicate_key`, naming the key.

Python's reader also takes `NaN`, `Infinity` and `-Infinity`, which are not JSON (RFC 8259
section 6), and reads `1e999` as infinity: `"radius_m": NaN` was refused as "less than or equal
to 20000". Refused as what they are, 422 `non_finite_number`. And it guesses the encoding of
bytes (UTF-16 and UTF-32 bodies were filed), where JSON between systems is UTF-8 (section 8.1):
a body that is not UTF-8 (a NUL byte, which UTF-8 JSON never holds, gives UTF-16 and UTF-32
away) or that starts with a byte order mark is 400 `malformed_body`, as a body whose bytes are
not UTF-8 at all always was.

FastAPI reads a route's body with `request.json()`; `StrictJsonRoute` hands its handler a request
whose `json()` parses with an `object_pairs_hook` that checks the keys, in the same single
parse (a dict built from the pairs; the pairs are searched only when the dict came out
shorter). The refusal is an HTTPException because FastAPI lets only that through its body read
(any other exception there becomes a 400); app/http_errors.py gives it its `code`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

_RFC = "RFC 8259 section 8.1"


class DuplicateKey(HTTPException):
    code = "duplicate_key"

    def __init__(self, key: str) -> None:
        super().__init__(
            422,
            f"The JSON body gives the key {json.dumps(key)} more than once in one object; "
            "send each key once.",
        )
        self.key = key


class NonFiniteBody(HTTPException):
    code = "non_finite_number"

    def __init__(self, text: str, key: str | None) -> None:
        where = f" as the value of {json.dumps(key)}" if key is not None else ""
        super().__init__(
            422,
            f"The JSON body holds {text}{where}, which is not a finite JSON number (RFC 8259 "
            "section 6 has no NaN or Infinity); send a finite number.",
        )
        self.text, self.key = text, key


class NotUtf8Body(HTTPException):
    code = "malformed_body"

    def __init__(self, why: str) -> None:
        super().__init__(400, f"The body is not JSON text in UTF-8 ({why}); {_RFC} requires it.")


class RepeatedKey(ValueError):
    """An object gave `key` twice (parse): what DuplicateKey says over HTTP, for any reader."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {json.dumps(key)} is given more than once in one object")
        self.key = key


class NonFinite(ValueError):
    """`NaN`, `Infinity`, `-Infinity`, or a number beyond a float (`1e999`) (parse); `key` is
    the object key it is the value of, where it is one."""

    def __init__(self, text: str, key: str | None = None) -> None:
        where = f" (the value of {json.dumps(key)})" if key is not None else ""
        super().__init__(f"{text}{where} is not a finite JSON number")
        self.text, self.key = text, key


class _NotFinite(Exception):
    """Raised inside the fast parse; parse then reads the text again to name the key."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise RepeatedKey(key)
            seen.add(key)
    return found


def _not_finite(_: str) -> Any:
    raise _NotFinite


def _finite(digits: str) -> float:
    value = float(digits)
    if not math.isfinite(value):
        raise _NotFinite
    return value


# Built once: json.loads with hooks builds a decoder per call, which doubled a line's cost.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique, parse_constant=_not_finite, parse_float=_finite
)


def parse(text: bytes | str) -> Any:
    """json.loads, refusing an object that gives a key twice (RepeatedKey) and a number that
    is not finite (NonFinite, naming its key where it is an object's value), both ValueErrors;
    bytes are read as UTF-8. Also the offline audit verifier's reader of a bundle's lines
    (app/audit/verifier.py)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        return _DECODER.decode(text)
    except _NotFinite:
        raise _which_not_finite(text) from None


class _Mark(str):
    """A number that is not finite, as written, where _which_not_finite parses it."""


def _which_not_finite(text: str) -> NonFinite:
    """The first number in `text` that is not finite, with its key if an object holds it."""

    def mark(digits: str) -> _Mark:
        return _Mark(digits if len(digits) <= 40 else digits[:37] + "...")

    def number(digits: str) -> float | _Mark:
        value = float(digits)
        return value if math.isfinite(value) else mark(digits)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        for key, value in items:
            if isinstance(value, _Mark):
                raise NonFinite(value, key)
        return dict(items)

    try:
        found = json.loads(text, object_pairs_hook=pairs, parse_constant=mark, parse_float=number)
    except NonFinite as exc:
        return exc
    return NonFinite(str(_first_mark(found) or "a number"))  # in an array, or the whole text


def _first_mark(value: Any) -> _Mark | None:
    if isinstance(value, _Mark):
        return value
    items = value.values() if isinstance(value, dict) else value
    for item in items if isinstance(value, list | dict) else ():
        if (inner := _first_mark(item)) is not None:
            return inner
    return None


def utf8_text(body: bytes) -> str:
    """A request body as UTF-8 text, or NotUtf8Body (json.loads would guess UTF-16 or -32)."""
    if body.startswith(b"\xef\xbb\xbf"):
        raise NotUtf8Body("it starts with a byte order mark")
    if b"\x00" in body:
        raise NotUtf8Body("it holds a NUL byte, as UTF-16 and UTF-32 text do")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUtf8Body(f"byte {exc.start} is not UTF-8") from None


def loads(text: bytes | str) -> Any:
    """parse, for a request body: bytes must be UTF-8 (NotUtf8Body, 400); a repeated key is
    DuplicateKey and a number that is not finite NonFiniteBody (422)."""
    try:
        return parse(utf8_text(text) if isinstance(text, bytes) else text)
    except RepeatedKey as exc:
        raise DuplicateKey(exc.key) from None
    except NonFinite as exc:
        raise NonFiniteBody(exc.text, exc.key) from None


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
