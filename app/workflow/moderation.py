"""The operator's review of requests: approve (then, and only then, notices go out) or reject.

Under a policy with `moderation`, consent requests wait in `pending_review`; emergency and
legal requests always do, and are approved through app/workflow/exceptions.py instead.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from app.workflow import audit
from app.workflow.context import Actor, Ctx
from app.workflow.errors import InvalidInput, NotFound, RequestNotPendingReview
from app.workflow.records import FootageRequest
from app.workflow.requests import notify_residents
from app.workflow.states import RequestKind, RequestStatus, request_transition


def pending_request(ctx: Ctx, request_id: UUID) -> FootageRequest:
    """The request, locked, if it is still waiting for review (and not past its expiry)."""
    request = ctx.store.get(FootageRequest, request_id, for_update=True)
    if request is None:
        raise NotFound("request")
    status = request.effective_status(ctx.clock.now())
    if status is not RequestStatus.PENDING_REVIEW:
        raise RequestNotPendingReview(status.value)
    return request


def approve_request(ctx: Ctx, actor: Actor, *, request_id: UUID) -> FootageRequest:
    """Publish a consent request: it opens now, for the policy's full open period."""
    request = pending_request(ctx, request_id)
    if request.kind is not RequestKind.CONSENT:
        raise InvalidInput(
            "An emergency or legal request is approved as an exception: "
            f"POST /operator/requests/{request_id}/exception.",
            code="use_exception_route",
        )
    now = ctx.clock.now()
    opened = replace(
        request,
        status=request_transition(request.status, RequestStatus.OPEN),
        approved_by=actor.label(),
        expires_at=ctx.policy.expires_at(now),
    )
    ctx.store.save(opened)
    audit.record(
        ctx,
        actor,
        "request.approved",
        "request",
        request.id,
        {"expires_at": opened.expires_at.isoformat()},
    )
    notify_residents(ctx, opened)
    return opened


def reject_request(ctx: Ctx, actor: Actor, *, request_id: UUID, reason: str) -> FootageRequest:
    """Refuse a request under review; nobody is notified and nothing is released."""
    if not reason.strip():
        raise InvalidInput("Say why the request is rejected.", code="reason_required")
    request = pending_request(ctx, request_id)
    rejected = replace(request, status=request_transition(request.status, RequestStatus.REJECTED))
    ctx.store.save(rejected)
    audit.record(ctx, actor, "request.rejected", "request", request.id, {"reason": reason})
    return rejected


def list_requests(ctx: Ctx, *, status: RequestStatus | None = None) -> list[FootageRequest]:
    """Every request (the operator sees all), newest first, optionally by effective status."""
    now = ctx.clock.now()
    found = [
        r
        for r in ctx.store.find(FootageRequest)
        if status is None or r.effective_status(now) is status
    ]
    found.sort(key=lambda r: (r.filed_at, str(r.id)), reverse=True)
    return found
