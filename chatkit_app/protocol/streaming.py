"""Relays the SDK's SSE stream to the client, and survives the client leaving.

The SDK's event generator runs in a task of its own, so a client disconnect
(Django cancels the response) reaches it as a cancellation at whatever it is
awaiting: the SDK then stores the partial reply and its "cancelled" note.
Cancelling the generator at a `yield` instead would skip that handling.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from chatkit.types import ErrorCode, ErrorEvent

logger = logging.getLogger(__name__)

_END = object()
# Tasks finishing their cancellation after the response is gone (kept alive here).
_draining: set[asyncio.Task] = set()

STREAM_FAILED = b"data: " + ErrorEvent(code=ErrorCode.STREAM_ERROR, allow_retry=True).model_dump_json(
    exclude_none=True
).encode() + b"\n\n"


class EventPump:
    """Runs an async byte stream in its own task; read it with `first()` then iteration."""

    def __init__(self, stream: AsyncIterator[bytes]) -> None:
        self._queue: asyncio.Queue[object] = asyncio.Queue()
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
        parts = []
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
