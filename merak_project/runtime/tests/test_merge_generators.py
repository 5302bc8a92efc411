"""Merak's merge of a reply's two event sources (`chatkit_sdk.merge_generators`): what the SDK's does, and
cancelling both reads however it stops."""

from __future__ import annotations

import asyncio

import pytest

from merak_project.runtime.chatkit_sdk import merge_generators


class Source:
    """An async iterator fed by the test, which records how far it has been read."""

    def __init__(self) -> None:
        self.items: asyncio.Queue[object] = asyncio.Queue()
        self.reads = 0
        self.cancelled = False

    def __aiter__(self) -> Source:
        return self

    async def __anext__(self) -> object:
        self.reads += 1
        try:
            item = await self.items.get()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        if item is StopAsyncIteration:
            raise StopAsyncIteration
        if isinstance(item, Exception):
            raise item
        return item


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_items_of_both_sources_come_as_they_arrive_until_one_ends():
    run, tools = Source(), Source()
    merged = merge_generators(run, tools)
    run.items.put_nowait("delta 1")
    assert await anext(merged) == "delta 1"
    tools.items.put_nowait("widget")
    assert await anext(merged) == "widget"
    run.items.put_nowait("delta 2")
    run.items.put_nowait(StopAsyncIteration)
    assert [item async for item in merged] == ["delta 2"]
    await settle()
    assert tools.cancelled


async def test_a_source_is_read_no_further_than_the_item_being_handled():
    run, tools = Source(), Source()
    merged = merge_generators(run, tools)
    for n in range(3):
        run.items.put_nowait(n)
    assert await anext(merged) == 0
    await settle()
    assert run.reads == 1  # the next read waits until the consumer asks for the next item
    assert await anext(merged) == 1
    await merged.aclose()


async def test_an_error_of_either_source_is_raised_and_the_other_read_cancelled():
    run, tools = Source(), Source()
    merged = merge_generators(run, tools)
    tools.items.put_nowait(ValueError("tool failed"))
    with pytest.raises(ValueError, match="tool failed"):
        await anext(merged)
    await settle()
    assert run.cancelled


async def test_abandoning_the_merge_cancels_both_reads():
    run, tools = Source(), Source()
    merged = merge_generators(run, tools)
    reading = asyncio.ensure_future(anext(merged))
    await settle()
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    await settle()
    assert run.cancelled and tools.cancelled
