"""One structured log line per request (logger `merak.requests`), and the request id.

The middleware gives each request an id (the caller's `X-Request-ID` when it
is sane, else a fresh one), echoes it in the response, and logs when the
response is done: for a stream, when its last byte is sent or the client
leaves. Views add what only they know with `annotate()` (user, thread,
request type, error code). Never logged: bodies, message text, credentials,
or the raw path (signed attachment URLs carry a capability in it).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeGuard, cast

from asgiref.sync import markcoroutinefunction
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase

logger = logging.getLogger("merak.requests")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# What `annotate` accepts: the fields of the log line that views fill in.
FIELDS = frozenset({"user_id", "thread_id", "request_type", "error"})
MAX_FIELD_LENGTH = 128


def request_id(request: HttpRequest) -> str:
    """This request's id: set by the middleware, or derived here when it did not run."""
    given: str | None = getattr(request, "request_id", None)
    if given is None:
        header = request.headers.get("X-Request-ID", "")
        # An attribute of the request's own, as `annotate` keeps its fields (`HttpRequest` declares neither).
        given = request.__dict__["request_id"] = header if _REQUEST_ID.fullmatch(header) else uuid.uuid4().hex
    return given


def annotate(request: HttpRequest, **fields: Any) -> None:
    """Add facts about this request to its log line (unknown names are a programming error)."""
    if unknown := fields.keys() - FIELDS:
        raise TypeError(f"not request log fields: {sorted(unknown)}")
    log_fields = request.__dict__.setdefault("log_fields", {})
    for key, value in fields.items():
        if value is not None:
            # A client-sent id can be any size; a log line stays small.
            log_fields[key] = value[:MAX_FIELD_LENGTH] if isinstance(value, str) else value


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route
    return "(unrouted)"


def _is_streaming(response: HttpResponseBase) -> TypeGuard[StreamingHttpResponse]:
    # Django's own test: only a `StreamingHttpResponse` (a `FileResponse` too) sets `streaming`.
    return response.streaming


class RequestLogMiddleware:
    """Times every request and logs it once, as JSON fields, when its response is complete."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]]) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        request_id(request)
        response = await self.get_response(request)
        response["X-Request-ID"] = request_id(request)
        # Event streams are logged when they end, with what they sent; anything
        # else (static and attachment files included) when its response is ready.
        is_event_stream = response.get("Content-Type", "").startswith("text/event-stream")
        if _is_streaming(response) and response.is_async and is_event_stream:
            # A cast: an `is_async` response's content is an async iterator (the stubs allow either kind).
            content = cast("AsyncIterator[bytes]", response.streaming_content)  # read before it is replaced
            response.streaming_content = self._logged_stream(request, response.status_code, content, started)
        else:
            self._log(request, response.status_code, started)
        return response

    async def _logged_stream(
        self, request: HttpRequest, status: int, content: AsyncIterator[bytes], started: float
    ) -> AsyncIterator[bytes]:
        events = size = 0
        finished = False
        try:
            async for chunk in content:
                # Each SSE event ends in a blank line; JSON payloads never contain one.
                events += chunk.count(b"\n\n")
                size += len(chunk)
                yield chunk
            finished = True
        finally:
            self._log(request, status, started, events=events, bytes=size, cancelled=not finished)

    def _log(self, request: HttpRequest, status: int, started: float, **stream: Any) -> None:
        fields = {
            "request_id": request_id(request),
            "method": request.method,
            "route": _route(request),
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            **getattr(request, "log_fields", {}),
            **stream,
        }
        logger.info("%s %s %s", request.method, fields["route"], status, extra=fields)
