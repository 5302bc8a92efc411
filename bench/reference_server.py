#!/usr/bin/env python
"""The stack Merak's speed is measured against: FastAPI + uvicorn + the ChatKit SDK, in memory.

What the ChatKit samples do, served the way they serve it: a module-level
agent, an in-memory store (dicts, no persistence), `ChatKitServer.process()`
as the SDK ships it, and a FastAPI route returning a `StreamingResponse`. The
agent's model is the same fixed 50-delta reply Merak's benchmark uses, so the
two runs differ only by the stack around the SDK. No authentication, limits
or logs. Run by `bench/load.py --server reference` (needs
`pip install -r bench/requirements.txt`).

`--fixed` serves the same with the one fix a user profiling it would make
first (`bench/load.py --server reference-fixed`): the SDK's `process()` builds
its request schema, `TypeAdapter(ChatKitReq)`, for every request, milliseconds
of CPU each; the fixed server builds it once, as Merak does
(`merak_project/runtime/chatkit_sdk.py`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django.conf import settings  # noqa: E402

# The fixed-reply model reads one setting (its per-delta delay): nothing else of Django runs. Configured once:
# a worker of several imports this file twice (as multiprocessing's `__mp_main__`, then as uvicorn's app).
if not settings.configured:
    settings.configure(MERAK_OFFLINE_STREAM_DELAY_MS=0)

import uvicorn  # noqa: E402
from agents import Agent, Runner, set_tracing_disabled  # noqa: E402
from chatkit.agents import AgentContext, simple_to_agent_input, stream_agent_response  # noqa: E402
from chatkit.server import ChatKitServer, NonStreamingResult, StreamingResult, logger  # noqa: E402
from chatkit.store import NotFoundError, Store  # noqa: E402
from chatkit.types import (  # noqa: E402
    Attachment,
    ChatKitReq,
    Page,
    ThreadItem,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
    is_streaming_req,
)
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import Response, StreamingResponse  # noqa: E402
from pydantic import TypeAdapter  # noqa: E402

from bench.fixed_reply_model import FixedReplyModel  # noqa: E402


def _page(rows: list[Any], after: str | None, limit: int, order: str) -> Page[Any]:
    rows = sorted(rows, key=lambda row: row.created_at, reverse=order == "desc")
    if after is not None:
        ids = [row.id for row in rows]
        rows = rows[ids.index(after) + 1 :] if after in ids else []
    return Page(data=rows[:limit], has_more=len(rows) > limit, after=rows[:limit][-1].id if rows[:limit] else None)


class MemoryStore(Store[dict]):
    """Threads and items in dicts, as in the samples."""

    def __init__(self) -> None:
        self.threads: dict[str, ThreadMetadata] = {}
        self.items: dict[str, dict[str, ThreadItem]] = {}
        self.attachments: dict[str, Attachment] = {}

    async def load_thread(self, thread_id: str, context: dict) -> ThreadMetadata:
        if thread_id not in self.threads:
            raise NotFoundError(f"Thread {thread_id} not found")
        return self.threads[thread_id].model_copy(deep=True)

    async def save_thread(self, thread: ThreadMetadata, context: dict) -> None:
        self.threads[thread.id] = thread.model_copy(deep=True)

    async def load_threads(self, limit: int, after: str | None, order: str, context: dict) -> Page[ThreadMetadata]:
        return _page(list(self.threads.values()), after, limit, order)

    async def delete_thread(self, thread_id: str, context: dict) -> None:
        self.threads.pop(thread_id, None)
        self.items.pop(thread_id, None)

    async def load_thread_items(
        self, thread_id: str, after: str | None, limit: int, order: str, context: dict
    ) -> Page[ThreadItem]:
        return _page(list(self.items.get(thread_id, {}).values()), after, limit, order)

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: dict) -> None:
        self.items.setdefault(thread_id, {})[item.id] = item.model_copy(deep=True)

    async def save_item(self, thread_id: str, item: ThreadItem, context: dict) -> None:
        await self.add_thread_item(thread_id, item, context)

    async def load_item(self, thread_id: str, item_id: str, context: dict) -> ThreadItem:
        try:
            return self.items[thread_id][item_id].model_copy(deep=True)
        except KeyError:
            raise NotFoundError(f"Item {item_id} not found") from None

    async def delete_thread_item(self, thread_id: str, item_id: str, context: dict) -> None:
        self.items.get(thread_id, {}).pop(item_id, None)

    async def save_attachment(self, attachment: Attachment, context: dict) -> None:
        self.attachments[attachment.id] = attachment

    async def load_attachment(self, attachment_id: str, context: dict) -> Attachment:
        if attachment_id not in self.attachments:
            raise NotFoundError(f"Attachment {attachment_id} not found")
        return self.attachments[attachment_id]

    async def delete_attachment(self, attachment_id: str, context: dict) -> None:
        self.attachments.pop(attachment_id, None)


set_tracing_disabled(True)  # as Merak without an API key: no trace export
agent = Agent(name="Assistant", instructions="You are a helpful assistant.", model=FixedReplyModel())


class ReferenceServer(ChatKitServer[dict]):
    async def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: dict
    ) -> AsyncIterator[ThreadStreamEvent]:
        agent_context = AgentContext(thread=thread, store=self.store, request_context=context)
        items = await self.store.load_thread_items(thread.id, None, 100, "asc", context)
        result = Runner.run_streamed(agent, await simple_to_agent_input(items.data), context=agent_context)
        async for event in stream_agent_response(agent_context, result):
            yield event


_REQUEST: TypeAdapter[ChatKitReq] = TypeAdapter(ChatKitReq)


class FixedReferenceServer(ReferenceServer):
    """The same, with the request schema built once: the SDK's `process()` less its per-request `TypeAdapter`."""

    async def process(self, request: str | bytes | bytearray, context: dict) -> StreamingResult | NonStreamingResult:
        parsed = _REQUEST.validate_json(request)
        logger.info(f"Received request op: {parsed.type}")  # as the SDK logs it
        if is_streaming_req(parsed):
            return StreamingResult(self._process_streaming(parsed, context))
        return NonStreamingResult(await self._process_non_streaming(parsed, context))


# `--fixed` with several workers: each worker imports this module afresh, told by the environment.
FIXED_ENV = "BENCH_REFERENCE_FIXED"
server: ReferenceServer = (FixedReferenceServer if os.environ.get(FIXED_ENV) else ReferenceServer)(store=MemoryStore())
app = FastAPI()


@app.post("/chatkit")
async def chatkit(request: Request) -> Response:
    result = await server.process(await request.body(), {})
    if isinstance(result, StreamingResult):
        return StreamingResponse(result, media_type="text/event-stream")
    return Response(content=result.json, media_type="application/json")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--fixed", action="store_true", help="build the request schema once (see the docstring)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes, each with its own in-memory store")
    args = parser.parse_args()
    if args.fixed:
        server = FixedReferenceServer(store=MemoryStore())
        os.environ[FIXED_ENV] = "1"
    options: dict[str, Any] = {"host": "127.0.0.1", "port": args.port, "access_log": False, "log_level": "warning"}
    if args.workers == 1:
        uvicorn.run(app, workers=1, **options)
    else:  # uvicorn's workers import the app by name
        uvicorn.run("bench.reference_server:app", workers=args.workers, **options)
