"""A reply that belongs to the server: its event stream runs in a task of its own, which a response listens to.

    accepted ──> streaming ──> detached ──> done | cancelled | expired
    (guard held)  (a response   (the client     (stored as usual; cancelled: stopped,
                   listens)      left: the run    shut down, or its client left where
                                 goes on)         replies do not outlive clients)

The response relays the run's chunks as they come. When its client leaves
(a reload, a closed tab, a lost network), the run goes on to its end,
stores everything as usual and holds its thread's lease and its user's
stream slot until then (`guards.leases.StreamGuard`, inside the stream);
with `MERAK_REPLIES_OUTLIVE_CLIENTS` off, the client leaving cancels it, as
it once did. A run is cancelled when stopped (`runs.signals`), at shutdown
(`runs.registry.drain`) or past `MERAK_RUN_MAX_SECONDS`; the SDK then stores
the partial reply and its "cancelled" note (and `runs.inflight` the card or
workflow in flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import AsyncIterator
from typing import Final

from chatkit.types import ErrorCode, ErrorEvent
from django.conf import settings

from chatkit_app.runs import registry
from chatkit_app.runs.usage import ReplyRecord

logger = logging.getLogger(__name__)


class _End(enum.Enum):
    """What the run queues after its stream's last chunk (a one-member enum: a sentinel with a type)."""

    END = enum.auto()


_END: Final = _End.END

STREAM_FAILED = (
    b"data: "
    + ErrorEvent(code=ErrorCode.STREAM_ERROR, allow_retry=True).model_dump_json(exclude_none=True).encode()
    + b"\n\n"
)


class Run:
    """One reply's stream, run by a task of its own; read it with `first()`, then `relay()`."""

    def __init__(
        self,
        stream: AsyncIterator[bytes],
        *,
        holder: str,
        thread_id: str | None,
        user_id: str,
        record: ReplyRecord | None = None,
    ) -> None:
        self.holder, self.thread_id, self.user_id = holder, thread_id, user_id
        self.record = record
        self.started = time.monotonic()
        self.ended: str | None = None  # done, cancelled, stopped, shutdown, expired or failed
        self._cancelled_for: str | None = None
        # What the listening response has yet to send; None once it has gone.
        self._queue: asyncio.Queue[bytes | Exception | _End] | None = asyncio.Queue()
        self.task = asyncio.create_task(self._run(stream), name=f"merak-run-{holder}")
        registry.add(self)

    async def _run(self, stream: AsyncIterator[bytes]) -> None:
        try:
            async with asyncio.timeout(settings.MERAK_RUN_MAX_SECONDS):
                async for chunk in stream:
                    self._put(chunk)
            self.ended = "done"
        except TimeoutError:
            self.ended = "expired"
            logger.warning("reply stopped: it ran past MERAK_RUN_MAX_SECONDS", extra=self._log_fields())
        except asyncio.CancelledError:
            self.ended = self._cancelled_for or "cancelled"
            raise
        except Exception as exc:  # handed to the listening response, which decides what its client sees
            self.ended = "failed"
            if self._queue is None:
                logger.exception("reply failed after its client left", extra=self._log_fields())
            self._put(exc)
        finally:
            try:  # recorded before the response ends: a reply its user has seen end is in the admin
                if self.record is not None and self.record.began:
                    await asyncio.shield(self.record.save(self.ended))
            finally:
                self._put(_END)
                registry.discard(self)

    def _put(self, item: bytes | Exception | _End) -> None:
        if self._queue is not None:
            self._queue.put_nowait(item)

    def _log_fields(self) -> dict[str, object]:
        return {"thread_id": self.thread_id, "user_id": self.user_id}

    def cancel(self, reason: str) -> None:
        """Stop the run (it stores what it has); `reason` is how it ended."""
        if not self.task.done():
            self._cancelled_for = reason
            self.task.cancel()

    def detach(self) -> None:
        """The response stops listening (its client left); the run goes on."""
        self._queue = None

    async def _next(self) -> bytes | None:
        """The chunks available now, joined (no waiting beyond the first); None at the end."""
        queue = self._queue
        assert queue is not None, "read by its response only"
        chunk = await queue.get()
        parts: list[bytes] = []
        while True:
            if chunk is _END:
                break
            if isinstance(chunk, Exception):
                raise chunk
            parts.append(chunk)
            if queue.empty():
                return b"".join(parts)
            chunk = queue.get_nowait()
        queue.put_nowait(_END)  # later calls see the end too
        return b"".join(parts) if parts else None

    async def first(self) -> bytes | None:
        """The first chunk; errors raised before it propagate to the caller."""
        try:
            return await self._next()
        except BaseException:
            await self._client_left()
            raise

    async def relay(self, first: bytes | None) -> AsyncIterator[bytes]:
        """Yields the run's chunks as they come; when the client leaves, the run goes on without it."""
        try:
            if first is not None:
                yield first
            while (chunk := await self._next()) is not None:
                yield chunk
        except Exception:
            logger.exception("ChatKit stream failed after it started")
            yield STREAM_FAILED
        finally:
            await self._client_left()

    async def _client_left(self) -> None:
        if self.task.done():
            return
        if settings.MERAK_REPLIES_OUTLIVE_CLIENTS:
            self.detach()
            return
        self.cancel("cancelled")
        # Shielded: cancelled again, the run still finishes storing its partial reply.
        with contextlib.suppress(BaseException):
            await asyncio.shield(self.task)
