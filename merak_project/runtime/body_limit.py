"""A cap on request bodies, enforced while they arrive, before Django reads them.

Django's ASGI handler reads a request's whole body, spooling it to a
temporary file, before any view or middleware runs: its own size check
(`DATA_UPLOAD_MAX_MEMORY_SIZE`) comes after everything has been received and
written. Without a cap here, anyone could stream gigabytes at `/chatkit`, with
or without a `Content-Length`, and have them written to disk from the event
loop. `BodyLimit` wraps the ASGI application: a declared length over the limit
is refused before a byte of the body is read, and a body that grows past it
is cut off as soon as it does. Either way the answer is the usual JSON 413.

The limit is `CHATKIT_MAX_BODY_BYTES`, except on attachment upload URLs, where
it is `MERAK_MAX_ATTACHMENT_BYTES` plus room for the multipart envelope (the
upload view then checks the file's own size exactly).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import Resolver404, resolve

logger = logging.getLogger(__name__)

# ASGI, as Django's handler types it (django-stubs).
Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Multipart boundaries and part headers around an uploaded file.
MULTIPART_ENVELOPE_BYTES = 64 * 1024
UPLOAD_URL_NAME = "chatkit-attachment-upload"


class _BodyTooLarge(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Limit:
    """The body limit for a request, the error code for exceeding it, and the route it was sent to."""

    bytes: int
    code: str
    route: str  # the URL pattern, never the raw path: on upload URLs that is a signed capability


def limit_for(path: str) -> Limit:
    try:
        match = resolve(path)
    except Resolver404:
        return Limit(settings.CHATKIT_MAX_BODY_BYTES, "payload_too_large", "(unrouted)")
    route = "/" + match.route
    if match.url_name == UPLOAD_URL_NAME:
        return Limit(settings.MERAK_MAX_ATTACHMENT_BYTES + MULTIPART_ENVELOPE_BYTES, "attachment_too_large", route)
    return Limit(settings.CHATKIT_MAX_BODY_BYTES, "payload_too_large", route)


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we see it
    return None


class BodyLimit:
    """ASGI middleware: answer 413 for an HTTP request whose body is over its limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = limit_for(scope["path"])
        declared = declared_length(scope)
        if declared is not None and declared > limit.bytes:
            return await self._refuse(send, limit)

        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.bytes:
                    raise _BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _BodyTooLarge:
            if started:  # an app that answered before reading all of the body: nothing more to say
                return
            await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: Limit) -> None:
        logger.warning(
            "request body over the limit refused",
            extra={"route": limit.route, "limit_bytes": limit.bytes, "status": 413},
        )
        message = f"The request body is too large: at most {limit.bytes} bytes."
        body = json.dumps({"error": {"code": limit.code, "message": message}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
