"""HTTP views: `/chatkit` (the ChatKit protocol), client tokens, attachment files, and `/healthz`."""

from __future__ import annotations

import json
from typing import Any, cast

from chatkit.server import StreamingResult
from chatkit.types import is_streaming_req
from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from . import attachments, health, limits, request_log, tokens
from .auth import authenticate, server_key_required, valid_user_id
from .context import RequestContext
from .database import back_in_line_after_first
from .decorators import json_endpoint
from .errors import InvalidRequest, ServiceDisabled, error_response
from .server import get_server
from .stream_guard import StreamGuard
from .streaming import EventPump


@json_endpoint("POST")
async def chatkit(request: HttpRequest) -> HttpResponse:
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


async def _stream(parsed: Any, context: RequestContext, thread_id: str | None) -> HttpResponse:
    # Before anything is stored: 429 past the user's open streams, 409 if this thread is streaming
    # (a new thread's lease too: its id is in the first event, and others may use it at once).
    guard = await StreamGuard.acquire(context.user_id, thread_id)
    try:
        result = cast(StreamingResult, await get_server().handle(parsed, context))
        # Once its first event is out, this stream's database work waits its turn behind new requests'.
        pump = EventPump(back_in_line_after_first(guard.around(aiter(result))))
    except BaseException:
        await guard.release()
        raise
    # Errors before the first event (unknown thread, bad tool output...) still
    # get a proper status; after it, they are error events in the stream.
    first = await pump.first()
    response = StreamingHttpResponse(pump.relay(first), content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response


def _json_object(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):
        raise InvalidRequest("The request body is not valid JSON.", code="invalid_json") from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return body


def _token_response(issued: tokens.IssuedToken) -> JsonResponse:
    response = JsonResponse(issued.as_json())
    response["Cache-Control"] = "no-store"  # it carries a secret
    return response


@json_endpoint("POST")
@server_key_required
async def token_start(request: HttpRequest) -> HttpResponse:
    """`{"user_id"}` -> a new client secret for that user (server to server, with the server key)."""
    user_id = valid_user_id(_json_object(request).get("user_id"))
    request_log.annotate(request, user_id=user_id)
    return _token_response(await tokens.aissue(user_id))


@json_endpoint("POST")
@server_key_required
async def token_refresh(request: HttpRequest) -> HttpResponse:
    """`{"client_secret"}` -> its successor; the presented secret is revoked (server to server)."""
    secret = _json_object(request).get("client_secret")
    if not isinstance(secret, str) or not secret:
        raise InvalidRequest("`client_secret` must be the current client secret.")
    issued = await tokens.arefresh(secret)
    request_log.annotate(request, user_id=issued.token.user_id)
    return _token_response(issued)


@json_endpoint("GET", "HEAD")
async def healthz(request: HttpRequest) -> HttpResponse:
    healthy, checks = await health.report()
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


@json_endpoint("POST", "PUT", any_origin=True)
async def attachment_upload(request: HttpRequest, token: str) -> HttpResponse:
    """The browser's upload of a file registered by `attachments.create` (signed URL)."""
    attachment = await attachments.receive_upload(token, request)
    # As `attachments.create` answers it: the metadata is the integration's, never the client's.
    body = attachment.model_dump_json(exclude_none=True, exclude={"metadata"})
    return HttpResponse(body, content_type="application/json")


@json_endpoint("GET", "HEAD", any_origin=True)
async def attachment_file(request: HttpRequest, token: str) -> HttpResponse:
    """An attachment's bytes (signed URL): a raster image inline, for previews; anything else as a download."""
    file = await attachments.open_file(token)
    response = FileResponse(
        file.handle, content_type=file.content_type, as_attachment=not file.inline, filename=file.name
    )
    for header, value in attachments.FILE_HEADERS.items():
        response[header] = value
    return response


async def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(404, "not_found", "No such endpoint.")


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(500, "internal_error", "The server failed to handle this request.")
