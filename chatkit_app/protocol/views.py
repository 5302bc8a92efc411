"""`POST /chatkit` (the ChatKit protocol) and `GET /healthz`, and the JSON answers to anything else.

A streaming reply is relayed from a task of its own (`EventPump`), so that a
client hanging up (Django cancels the response) reaches the SDK as a
cancellation at whatever it is awaiting: the SDK then stores the partial reply
and its "cancelled" note. Cancelling its generator at a `yield` instead would
skip that handling.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import AsyncIterator
from typing import Final

from chatkit.types import ErrorCode, ErrorEvent, StreamingReq, is_streaming_req
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from chatkit_app.guards import limits
from chatkit_app.guards.leases import StreamGuard
from chatkit_app.identity.auth import RequestContext, authenticate
from chatkit_app.protocol import health
from chatkit_app.protocol.decorators import json_endpoint
from chatkit_app.protocol.errors import ServiceDisabled, error_response
from chatkit_app.protocol.server import get_server
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
    # Before anything is stored: 429 past the user's open streams, 409 if this thread is streaming
    # (a new thread's lease too: its id is in the first event, and others may use it at once).
    guard = await StreamGuard.acquire(context.user_id, thread_id)
    try:
        result = await get_server().handle(parsed, context)
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


@json_endpoint("GET", "HEAD")
async def healthz(request: HttpRequest) -> HttpResponse:
    healthy, checks = await health.report()
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


async def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(404, "not_found", "No such endpoint.")


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(500, "internal_error", "The server failed to handle this request.")


# --- the relay of a streamed reply ----------------------------------------------------------


class _End(enum.Enum):
    """What the pump queues after a stream's last chunk (a one-member enum: a sentinel with a type)."""

    END = enum.auto()


_END: Final = _End.END
# Tasks finishing their cancellation after the response is gone (kept alive here).
_draining: set[asyncio.Task] = set()

STREAM_FAILED = (
    b"data: "
    + ErrorEvent(code=ErrorCode.STREAM_ERROR, allow_retry=True).model_dump_json(exclude_none=True).encode()
    + b"\n\n"
)


class EventPump:
    """Runs an async byte stream in its own task; read it with `first()` then iteration."""

    def __init__(self, stream: AsyncIterator[bytes]) -> None:
        self._queue: asyncio.Queue[bytes | Exception | _End] = asyncio.Queue()
        self._task = asyncio.create_task(self._run(stream))

    async def _run(self, stream: AsyncIterator[bytes]) -> None:
        try:
            async for chunk in stream:
                self._queue.put_nowait(chunk)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # handed to the reader, which decides what the client sees
            self._queue.put_nowait(exc)
        finally:
            self._queue.put_nowait(_END)

    async def _next(self) -> bytes | None:
        """The chunks available now, joined (no waiting beyond the first); None at the end."""
        chunk = await self._queue.get()
        parts: list[bytes] = []
        while True:
            if chunk is _END:
                break
            if isinstance(chunk, Exception):
                raise chunk
            parts.append(chunk)
            if self._queue.empty():
                return b"".join(parts)
            chunk = self._queue.get_nowait()
        self._queue.put_nowait(_END)  # later calls see the end too
        return b"".join(parts) if parts else None

    async def first(self) -> bytes | None:
        """The first chunk; errors raised before it propagate to the caller."""
        try:
            return await self._next()
        except BaseException:
            await self.aclose()
            raise

    async def relay(self, first: bytes | None) -> AsyncIterator[bytes]:
        """Yields the stream's chunks; on disconnect, cancels the producer and lets it finish."""
        try:
            if first is not None:
                yield first
            while (chunk := await self._next()) is not None:
                yield chunk
        except Exception:
            logger.exception("ChatKit stream failed after it started")
            yield STREAM_FAILED
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        task = self._task
        if task.done():
            return
        task.cancel()
        try:
            # Shielded: if we are cancelled again, the producer still completes
            # its cancellation handling (storing the partial reply).
            await asyncio.shield(task)
        except BaseException:
            if not task.done():
                _draining.add(task)
                task.add_done_callback(_draining.discard)
