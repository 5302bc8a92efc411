"""HTTP views: `/chatkit` (the ChatKit protocol), attachment files, and `/healthz`."""

from __future__ import annotations

from chatkit.server import StreamingResult
from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from . import attachments, health
from .auth import request_context
from .decorators import json_endpoint
from .errors import ServiceDisabled, error_response
from .server import get_server
from .streaming import EventPump


@json_endpoint("POST")
async def chatkit(request: HttpRequest) -> HttpResponse:
    if not settings.MERAK_ENABLE_CHATKIT_SERVER:
        raise ServiceDisabled("The ChatKit server is disabled (MERAK_ENABLE_CHATKIT_SERVER is off).")
    context = request_context(request)
    result = await get_server().process(request.body, context)
    if not isinstance(result, StreamingResult):
        return HttpResponse(result.json, content_type="application/json")
    pump = EventPump(aiter(result))
    # Errors before the first event (unknown thread, bad tool output...) still
    # get a proper status; after it, they are error events in the stream.
    first = await pump.first()
    response = StreamingHttpResponse(pump.relay(first), content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response


@json_endpoint("GET", "HEAD")
async def healthz(request: HttpRequest) -> HttpResponse:
    healthy, checks = await health.report()
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


@json_endpoint("POST", "PUT")
async def attachment_upload(request: HttpRequest, token: str) -> HttpResponse:
    """The browser's upload of a file registered by `attachments.create` (signed URL)."""
    attachment = await attachments.receive_upload(token, request)
    return HttpResponse(attachment.model_dump_json(exclude_none=True), content_type="application/json")


@json_endpoint("GET", "HEAD")
async def attachment_file(request: HttpRequest, token: str) -> HttpResponse:
    """An attachment's bytes, for previews (signed URL)."""
    name, mime_type, handle = await attachments.open_file(token)
    return FileResponse(handle, content_type=mime_type, filename=name)


async def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(404, "not_found", "No such endpoint.")


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(500, "internal_error", "The server failed to handle this request.")
