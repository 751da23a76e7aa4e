"""`Idempotency-Key` on the routes that create records: a retried POST returns the first answer.

A client that timed out does not know whether its POST was carried out. Sent with a key (after
the IETF draft "The Idempotency-Key HTTP Header Field", draft-ietf-httpapi-idempotency-key-
header), the first request is carried out and its answer stored with the key, scoped to the
caller (role and subject), in the same write transaction as the record it created. A retry with
the same key, method, path and body gets that answer back (with `Idempotent-Replayed: true`)
and writes nothing, so the audit log gets no second entry; the same key with another request is
refused. Without the header a route works exactly as before.

Concurrency: the lookup, the step and the insert run in one write transaction, and writers are
serialised (BEGIN IMMEDIATE on SQLite, the writer's advisory lock on PostgreSQL: app/db.py), so
a second request with the same key waits for the first and then finds its answer. The primary
key (scope, key) is the backstop: should two ever interleave, the loser's transaction rolls
back whole and it answers 409 `idempotency_key_in_flight`.

Only successful answers are stored: a refusal writes nothing, so a retry is decided afresh.

A stored answer lives KEY_LIFETIME (a day): a client retries within minutes or hours, and the
draft leaves the lifetime to the server. Past it the key is free again and its answer is
forgotten, at the next request with that key, and by the served app's timer for all of them
(`forget_expired_keys`): a resident's creation answer holds a name and a contact, a copy the
service has no reason to keep.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.deps import CurrentActor
from app.http_errors import ApiError
from app.runtime import Runtime
from app.store.sql import SqlStore
from app.store.tables import IdempotencyKeyRow
from app.workflow.context import Ctx

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEY_LIFETIME = timedelta(hours=24)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: str
    replayed: bool


def _json(value: Any) -> str:
    # Starlette's JSONResponse renders exactly so: a replay is byte-identical to the first answer.
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _session(ctx: Ctx) -> Session:
    """The service's store is always SQL (app/runtime.py); the in-memory store of simulations
    never serves HTTP."""
    if not isinstance(ctx.store, SqlStore):  # pragma: no cover  (a wiring bug)
        raise TypeError("idempotency keys need the SQL store")
    return ctx.store.session


def stored_answer(
    session: Session, scope: str, key: str, now: datetime
) -> IdempotencyKeyRow | None:
    """The answer stored under the caller's key, unless it has outlived KEY_LIFETIME (then it
    is deleted here, and the key is free for a new request)."""
    stored = session.get(IdempotencyKeyRow, (scope, key))
    if stored is not None and stored.created_at <= now - KEY_LIFETIME:
        session.delete(stored)
        session.flush()
        return None
    return stored


def forget_expired_keys(ctx: Ctx) -> int:
    """Delete every stored answer past KEY_LIFETIME (the served app's timer calls it); how many."""
    cutoff = ctx.clock.now() - KEY_LIFETIME
    table = IdempotencyKeyRow.__table__  # type: ignore[attr-defined]
    result = _session(ctx).connection().execute(delete(table).where(table.c.created_at <= cutoff))
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class Once:
    """One creating request's key, caller and request line; `write` runs its step once."""

    key: str | None
    scope: str = ""
    request_line: str = ""
    status: int = 201

    def write(self, runtime: Runtime, body: BaseModel, step: Callable[[Ctx], M]) -> M | Response:
        key = self.key
        if key is None:
            return runtime.write(step)
        # The validated body, in the model's field order: a retry that orders its keys otherwise,
        # or spells 500 as 500.0 for a float, is the same request.
        canonical = _json(body.model_dump(mode="json"))
        fingerprint = hashlib.sha256(f"{self.request_line}\n{canonical}".encode()).hexdigest()
        try:
            answer = runtime.write(lambda ctx: self._answer(ctx, key, fingerprint, step))
        except IntegrityError:
            raise ApiError(
                409,
                "idempotency_key_in_flight",
                f"Another request with this {HEADER} was being carried out; retry it to get "
                "its answer.",
            ) from None
        headers = {REPLAYED_HEADER: "true"} if answer.replayed else {}
        return Response(answer.body, answer.status, headers, media_type="application/json")

    def _answer(
        self, ctx: Ctx, key: str, fingerprint: str, step: Callable[[Ctx], M]
    ) -> StoredAnswer:
        session = _session(ctx)
        stored = stored_answer(session, self.scope, key, ctx.clock.now())
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise ApiError(
                    422,
                    "idempotency_key_reused",
                    f"This {HEADER} was used for a different request (another body or route); "
                    "use a new key for a new request.",
                )
            return StoredAnswer(stored.status, stored.body, replayed=True)
        body = _json(step(ctx).model_dump(mode="json"))
        session.add(
            IdempotencyKeyRow(
                scope=self.scope,
                key=key,
                fingerprint=fingerprint,
                status=self.status,
                body=body,
                created_at=ctx.clock.now(),
            )
        )
        session.flush()  # a duplicate key fails here, inside the transaction it would undo
        return StoredAnswer(self.status, body, replayed=False)


WITHOUT_KEY = Once(key=None)
"""For callers of a route's handler that are not HTTP requests (the web pages)."""


def model_of(answer: M | Response) -> M:
    """A handler called with WITHOUT_KEY answers its model, never a stored response."""
    if isinstance(answer, Response):  # pragma: no cover  (a wiring bug)
        raise TypeError("a handler called without an Idempotency-Key answered a stored response")
    return answer


def _valid_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all("!" <= c <= "~" for c in key):
        raise ApiError(
            422,
            "idempotency_key_invalid",
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (a UUID will do).",
        )
    return key


def once(
    request: Request,
    actor: CurrentActor,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="1 to 255 visible ASCII characters, unique per request (a UUID will "
            "do): a retry with the same key, route and body returns the first answer "
            "(Idempotent-Replayed: true) and writes nothing; another request with the key is "
            "refused (422 idempotency_key_reused).",
        ),
    ] = None,
) -> Once:
    if key is None:
        return WITHOUT_KEY
    route = request.scope.get("route")
    return Once(
        key=_valid_key(key),
        scope=f"{actor.role.value}:{actor.subject}",
        request_line=f"{request.method} {request.url.path}",
        status=getattr(route, "status_code", None) or 200,
    )


OnceDep = Annotated[Once, Depends(once)]
