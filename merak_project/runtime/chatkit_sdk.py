"""Where Merak departs from the ChatKit SDK: three of its functions, replaced.

- `LeanChatKitServer.parse`: the request schema (`TypeAdapter(ChatKitReq)`) is
  built once. The SDK's `process()` builds it for every request, milliseconds
  of CPU each: a FastAPI reference serving the SDK did 61 streams/s as shipped
  and 88 with the schema built once (one worker, 50 clients, bench/).
- `LeanChatKitServer._process_streaming`: events are serialized as the SDK
  does, without its ERROR line and traceback for whatever fails. What fails
  before the first event is the client's error (an unknown thread, no pending
  tool call...), which the view answers with a 4xx; anyone could flood the
  error log with them. What fails later is logged where it is caught.
- `merge_generators`: `chatkit.agents.stream_agent_response` merges the agent
  run's events with those its tools stream (`_merge_generators`). The SDK's
  merge reads each next item in a task of its own, and waits for either with
  `asyncio.wait`: a task, a waiter and four callbacks per event, about 30 µs
  each, 2 ms of a 70-event reply (bench/README.md, issue 14). Merak's reads
  each source in one long-lived task that hands over an item and waits until
  it is taken, so that, as in the SDK's, a source is never read ahead. And
  when the merge is abandoned (a client hangs up, so the reply's task is
  cancelled) the SDK's never cancelled its pending reads: the run waited
  forever for its events to be read, holding the thread's lease, and each
  disconnect left tasks that asyncio logged as "Task was destroyed but it is
  pending!". Merak's cancels both readers however it stops; cancelling the
  run's read is what makes the Agents SDK cancel the run. `apply()` installs
  it, at start-up. The same merge, offered upstream:
  `bench/chatkit_merge_generators.patch`.

Guarded by `runtime/tests/test_upstream_contracts.py`, which fails, naming
what to recheck, when the SDK renames or reshapes what this relies on, and by
`chatkit_app/protocol/tests/test_disconnects.py` (no asyncio error, nothing
held, after hang-ups at any moment).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, TypeVar

import chatkit.agents
from chatkit.server import ChatKitServer
from chatkit.types import ChatKitReq, StreamingReq, ThreadStreamEvent
from pydantic import TypeAdapter

TContext = TypeVar("TContext")

_REQUEST: TypeAdapter[ChatKitReq] = TypeAdapter(ChatKitReq)


class LeanChatKitServer(ChatKitServer[TContext]):
    """`ChatKitServer` with its request schema built once and client errors kept out of the error log."""

    def parse(self, request: bytes) -> ChatKitReq:
        """The body as the SDK's typed request; pydantic's `ValidationError` when it is not one."""
        return _REQUEST.validate_json(request)

    async def _process_streaming(self, request: StreamingReq, context: TContext) -> AsyncGenerator[bytes, None]:
        async for event in self.stream_events(request, context):
            yield b"data: " + self._serialize(event) + b"\n\n"

    def stream_events(self, request: StreamingReq, context: TContext) -> AsyncIterator[ThreadStreamEvent]:
        """The events of a streaming request, as the SDK makes them (a subclass may watch them go by)."""
        return self._process_streaming_impl(request, context)


class _Reader:
    """Reads one source in a task of its own, handing each item over and waiting until it is taken."""

    def __init__(self, source: AsyncIterator[Any], arrived: asyncio.Queue[tuple[_Reader, Any]]) -> None:
        self._source = source
        self._arrived = arrived
        self._taken: asyncio.Future[None] | None = None
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            async for item in self._source:
                self._taken = loop.create_future()
                self._arrived.put_nowait((self, item))
                await self._taken
        except Exception as exc:  # the merge raises it (a cancellation only ends this reader)
            self._arrived.put_nowait((self, _Failed(exc)))
        else:
            self._arrived.put_nowait((self, _ENDED))

    def take(self) -> None:
        """The item handed over is taken: read the next."""
        if self._taken is not None and not self._taken.done():
            self._taken.set_result(None)


class _Failed:
    def __init__(self, error: Exception) -> None:
        self.error = error


_ENDED = object()


async def merge_generators(a: AsyncIterator[Any], b: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The items of `a` and `b` as they come, until either ends (then an item the other has handed over is
    still yielded, as the SDK's merge does); both readers are cancelled however it stops."""
    arrived: asyncio.Queue[tuple[_Reader, Any]] = asyncio.Queue()
    readers = (_Reader(a, arrived), _Reader(b, arrived))
    try:
        while True:
            reader, item = await arrived.get()
            if item is _ENDED:
                break
            if isinstance(item, _Failed):
                raise item.error
            yield item
            reader.take()
        while not arrived.empty():
            _, item = arrived.get_nowait()
            if item is not _ENDED and not isinstance(item, _Failed):
                yield item
    finally:
        for reader in readers:
            reader.task.cancel()


def apply() -> None:
    chatkit.agents._merge_generators = merge_generators
