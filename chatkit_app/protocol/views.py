"""`POST /chatkit` (the ChatKit protocol), `GET /chatkit/options` (what the composer offers) and
`GET /healthz`, and the JSON answers to anything else.

A reply runs in a task of its own (`runs.Run`) that the response relays: it
goes on when the client leaves.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from chatkit.types import StreamingReq, is_streaming_req
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from chatkit_app.guards import limits
from chatkit_app.guards.leases import StreamGuard
from chatkit_app.identity.auth import RequestContext, authenticate
from chatkit_app.protocol import health
from chatkit_app.protocol.errors import InvalidRequest, ServiceDisabled, ShuttingDown, error_response, json_endpoint
from chatkit_app.protocol.responder import get_responder
from chatkit_app.protocol.server import get_server
from chatkit_app.runs import registry
from chatkit_app.runs.run import Run
from chatkit_app.runs.usage import ReplyRecord
from merak_project import request_log
from merak_project.runtime.db_threads import back_in_line_after_first

logger = logging.getLogger(__name__)


@json_endpoint("POST")
async def chatkit(request: HttpRequest) -> HttpResponseBase:
    if not settings.MERAK_ENABLE_CHATKIT_SERVER:
        raise ServiceDisabled("The ChatKit server is disabled (MERAK_ENABLE_CHATKIT_SERVER is off).")
    context = await authenticate(request)
    await limits.count_request(context.user_id)
    server = get_server()
    parsed = server.parse(request.body)
    thread_id, context = server.addressed(parsed, context)
    request_log.annotate(request, request_type=parsed.type, thread_id=thread_id)
    if not is_streaming_req(parsed):
        result = await server.handle(parsed, context)
        return HttpResponse(result.json, content_type="application/json")
    return await _stream(parsed, context, thread_id)


async def _stream(parsed: StreamingReq, context: RequestContext, thread_id: str | None) -> StreamingHttpResponse:
    """A reply: run by the server (`runs.Run`), relayed to this response while its client listens."""
    if not registry.accepting():
        raise ShuttingDown()
    # Before anything is stored: 429 past the user's open streams, 409 if a reply runs in this thread
    # (a new thread's lease too: its id is in the first event, and others may use it at once).
    guard = await StreamGuard.acquire(context.user_id, thread_id)
    record = ReplyRecord(request_type=parsed.type, user_id=context.user_id, thread_id=thread_id)
    context = replace(context, reply=record)
    try:
        result = await get_server().handle(parsed, context)
        # Once its first event is out, this stream's database work waits its turn behind new requests'.
        stream = back_in_line_after_first(guard.around(aiter(result)))
        run = Run(stream, holder=guard.holder, thread_id=thread_id, user_id=context.user_id, record=record)
    except BaseException:
        await guard.release()
        raise
    # Errors before the first event (unknown thread, bad tool output...) still
    # get a proper status; after it, they are error events in the stream.
    first = await run.first()
    response = StreamingHttpResponse(run.relay(first), content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response


@json_endpoint("GET", "HEAD")
async def composer_options(request: HttpRequest) -> HttpResponse:
    """What the composer offers (ChatKit's `composer.models`, `.tools` and `.dictation`), as the responder says."""
    await authenticate(request)
    responder = get_responder()
    composer = {
        "models": [model.as_option() for model in responder.models()],
        "tools": [tool.as_option() for tool in responder.tools()],
        "dictation": {"enabled": responder.dictation()},
    }
    response = JsonResponse({"composer": composer, "entities": {"tags": responder.tags()}})
    response["Cache-Control"] = "private, max-age=60"
    return response


MAX_QUERY_CHARS = 100


@json_endpoint("GET", "HEAD")
async def entity_search(request: HttpRequest) -> HttpResponse:
    """`GET /chatkit/entities?q=lis`: what the composer offers to tag with "@" for the text typed after it."""
    await authenticate(request)
    query = request.GET.get("q", "").strip()
    if not query:
        raise InvalidRequest("Say what to search for: `q` is empty.", code="empty_query")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidRequest(f"`q` is longer than {MAX_QUERY_CHARS} characters.", code="query_too_long")
    found = await get_responder().search_entities(query)
    response = JsonResponse({"entities": [entity.as_entity() for entity in found]})
    response["Cache-Control"] = "private, max-age=300"
    return response


@json_endpoint("GET", "HEAD")
async def healthz(request: HttpRequest) -> HttpResponse:
    healthy, checks = await health.report()
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(404, "not_found", "No such endpoint.")


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(500, "internal_error", "The server failed to handle this request.")
