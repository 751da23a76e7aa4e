"""A request-body size limit that also counts streamed (chunked) bodies: 413 past the limit.

A declared Content-Length over the limit is refused before the app runs. A chunked body is
counted as the app reads it; past the limit the 413 goes out at once and whatever the app
answers to the aborted read (FastAPI turns any error while reading into a 400) is dropped, so
the client always sees 413 and the app never holds more than the limit plus one chunk.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query
from starlette.types import ASGIApp, Message, Receive, Scope, Send

T = TypeVar("T")


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        seen = 0
        started = False  # the app has begun its own response
        refused = False  # our 413 is out: the app's answer to the aborted read is dropped

        async def counting_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    if not started and not refused:
                        refused = True
                        await self._refuse(send)
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not started and not refused:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "detail": f"The request body exceeds {self.max_bytes} bytes.",
                "code": "body_too_large",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    # the rest of the body is never read: the connection cannot be reused
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True, slots=True)
class PageParams:
    """One page of a list: at most `limit` items after skipping `offset`."""

    limit: int
    offset: int

    def of(self, items: Sequence[T]) -> list[T]:
        return list(items[self.offset : self.offset + self.limit])


def pagination(default: int, cap: int) -> object:
    """A dependency reading `limit` (1..cap) and `offset`: every list the API returns is capped
    (OWASP API4:2023, unrestricted resource consumption)."""

    def page_params(
        limit: int = Query(default, ge=1, le=cap, description=f"page size, at most {cap}"),
        offset: int = Query(0, ge=0, le=MAX_OFFSET, description="items to skip"),
    ) -> PageParams:
        return PageParams(limit, offset)

    return Depends(page_params)


MAX_PAGE = 500
MAX_OFFSET = 10_000_000
MAX_SEQ = 2_000_000_000
"""The largest sequence number a client may ask the log from. The column is a 32-bit INTEGER
on PostgreSQL (64-bit on SQLite) and `start + limit` must still fit it: past that the driver
failed (integer out of range, OverflowError), a 500. No log of either store gets this long."""
Page = Annotated[PageParams, pagination(100, MAX_PAGE)]
"""The usual list: 100 items unless asked, never more than 500."""
MapPage = Annotated[PageParams, pagination(2_000, 10_000)]
"""Map cells: a whole jurisdiction in one answer as a rule, still capped."""
