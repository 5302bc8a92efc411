"""A thread's replies, seen from outside their stream: whether one is running (`GET /chatkit/runs/<thread>`),
stopping it (`POST /chatkit/runs/<thread>/cancel`), wherever it runs, and what they used
(`GET /chatkit/runs/<thread>/usage`).

All take the credentials `/chatkit` takes and see only the caller's threads:
another user's thread is a 404, as one that does not exist.
"""

from __future__ import annotations

import asyncio
import time

from django.http import HttpRequest, HttpResponse, JsonResponse

from chatkit_app.guards import leases, limits
from chatkit_app.identity.auth import RequestContext, authenticate
from chatkit_app.models import ThreadLease
from chatkit_app.protocol.errors import ApiError, json_endpoint
from chatkit_app.runs import signals, usage
from chatkit_app.store import get_store
from merak_project import request_log
from merak_project.runtime.db_threads import in_database_thread

# How long a stop waits to see the reply end, so that its answer can say it has.
STOP_WAIT_SECONDS = 2.0

_holding = in_database_thread(leases.holding)


async def _running(request: HttpRequest, thread_id: str) -> tuple[RequestContext, ThreadLease | None]:
    context = await authenticate(request)
    request_log.annotate(request, thread_id=thread_id)
    await get_store().load_thread(thread_id, context)  # 404 unless it is the caller's
    return context, await _holding(thread_id, context.user_id)


def _answer(thread_id: str, lease: ThreadLease | None, **extra: object) -> JsonResponse:
    started_at = lease.started_at.isoformat() if lease is not None and lease.started_at else None
    response = JsonResponse({"thread_id": thread_id, "running": lease is not None, "started_at": started_at, **extra})
    response["Cache-Control"] = "no-store"
    return response


@json_endpoint("GET", "HEAD")
async def run_status(request: HttpRequest, thread_id: str) -> HttpResponse:
    """Whether a reply is running in the thread: a page showing it polls this to bring itself up to date.

    Not counted against the rate limit: one indexed read, and what a page
    polls while a reply it did not start grows.
    """
    _, lease = await _running(request, thread_id)
    return _answer(thread_id, lease)


@json_endpoint("POST")
async def cancel_run(request: HttpRequest, thread_id: str) -> HttpResponse:
    """Stop the thread's reply, on whichever worker runs it; answers once it has ended (or after 2 s)."""
    context, lease = await _running(request, thread_id)
    await limits.count_request(context.user_id)
    if lease is None:
        return _answer(thread_id, None, cancelled=False)
    if not lease.channel:
        raise ApiError("The reply's worker cannot be reached.", code="run_unreachable", status=409)
    await signals.send_cancel(lease.channel, lease.holder)
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while (still := await _holding(thread_id, context.user_id)) is not None and still.holder == lease.holder:
        if time.monotonic() > deadline:
            return _answer(thread_id, still, cancelled=True)
        await asyncio.sleep(0.05)
    return _answer(thread_id, None, cancelled=True)


@json_endpoint("GET", "HEAD")
async def thread_usage(request: HttpRequest, thread_id: str) -> HttpResponse:
    """What the thread's replies used and cost, and its latest reply's figures: ChatKit has no place for
    usage in its protocol, so the page around it asks here after each reply."""
    context = await authenticate(request)
    request_log.annotate(request, thread_id=thread_id)
    await get_store().load_thread(thread_id, context)  # 404 unless it is the caller's
    response = JsonResponse({"thread_id": thread_id, **await usage.of_thread(thread_id)})
    response["Cache-Control"] = "no-store"
    return response
