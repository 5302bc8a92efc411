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
  run's events with those its tools stream (`_merge_generators`), reading
  each source in a task of its own. When the merge is abandoned (a client
  hangs up, so the reply's task is cancelled), those reads were never
  cancelled: the run waited forever for its events to be read, holding the
  thread's lease, and each disconnect left tasks that asyncio logged as "Task
  was destroyed but it is pending!". The wrapper cancels the pending reads
  when the merge stops; cancelling the run's read is what makes the Agents
  SDK cancel the run. `apply()` installs it, at start-up.

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


_sdk_merge_generators = chatkit.agents._merge_generators


class _ReadTracked:
    """An async iterator that remembers the task reading its next item (the merge reads in tasks)."""

    def __init__(self, iterator: AsyncIterator[Any]) -> None:
        self._iterator = iterator
        self.reading: asyncio.Task[Any] | None = None

    def __aiter__(self) -> _ReadTracked:
        return self

    async def __anext__(self) -> Any:
        self.reading = asyncio.current_task()
        return await self._iterator.__anext__()

    def cancel_read(self) -> None:
        if self.reading is not None and not self.reading.done():
            self.reading.cancel()


async def merge_generators(a: AsyncIterator[Any], b: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The SDK's merge of `a` and `b`, whose pending reads are cancelled however it stops."""
    tracked = (_ReadTracked(a), _ReadTracked(b))
    try:
        async for item in _sdk_merge_generators(*tracked):
            yield item
    finally:
        for iterator in tracked:
            iterator.cancel_read()


def apply() -> None:
    chatkit.agents._merge_generators = merge_generators
