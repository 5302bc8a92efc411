"""A fix to the ChatKit SDK: its event merge leaves its reads pending when its reader stops.

`chatkit.agents.stream_agent_response` merges the agent run's events with
those its tools stream (`_merge_generators`), reading each source in a task
of its own. When the merge is abandoned (a client hangs up, so the reply's
task is cancelled), those reads are never cancelled: the run then waits
forever for its events to be read, and each disconnect leaves tasks that
asyncio logs as "Task was destroyed but it is pending!" when they are
collected. This wraps the SDK's merge and cancels its pending reads when it
stops; cancelling the run's read is what makes the Agents SDK cancel the run.

Guarded by `chatkit_app/tests/test_disconnects.py` (no asyncio error after
hang-ups) and `test_upstream_contracts.py` (the name this replaces exists).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import chatkit.agents

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
