"""`MerakChatKitServer`: the ChatKit protocol on our store, answered by the Trip Planner."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from functools import cache
from typing import Any

from agents import RunConfig, Runner
from chatkit.agents import AgentContext, ThreadItemConverter, stream_agent_response
from chatkit.errors import CustomStreamError
from chatkit.server import ChatKitServer, NonStreamingResult, StreamingResult
from chatkit.types import (
    Action,
    Attachment,
    ChatKitReq,
    FeedbackKind,
    ItemsListReq,
    SyncCustomActionResponse,
    ThreadMetadata,
    ThreadsCreateReq,
    ThreadsDeleteReq,
    ThreadsRetryAfterItemReq,
    ThreadStreamEvent,
    UserMessageItem,
    WidgetItem,
    is_streaming_req,
)
from django.conf import settings
from openai.types.responses import ResponseInputTextParam
from pydantic import TypeAdapter

from agents_app.planner import new_trip_planner

from .attachments import DjangoAttachmentStore
from .context import RequestContext
from .errors import InvalidRequest
from .store import DjangoStore, get_store

logger = logging.getLogger(__name__)

# Built once: the SDK's own `process()` rebuilds this adapter on every request,
# which costs milliseconds of CPU per call.
_REQUEST = TypeAdapter(ChatKitReq)

# A JSON `\u0000` escape (an even run of backslashes before it means the
# backslash itself was escaped, which is harmless text).
_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")

# How much of a thread the model sees: the most recent items, oldest first.
HISTORY_ITEMS = 100
MAX_PAGE_SIZE = 100


class MerakItemConverter(ThreadItemConverter):
    """Turns stored items into model input; attachments become a note the model can read."""

    async def attachment_to_message_content(self, attachment: Attachment) -> ResponseInputTextParam:
        return ResponseInputTextParam(
            type="input_text", text=f"[The user attached a file: {attachment.name} ({attachment.mime_type})]"
        )


class MerakChatKitServer(ChatKitServer[RequestContext]):
    """Routes ChatKit requests to the store and streams the Trip Planner's replies."""

    store: DjangoStore

    def __init__(self) -> None:
        store = get_store()
        super().__init__(store=store, attachment_store=DjangoAttachmentStore(store))
        self.converter = MerakItemConverter()

    async def process(self, request: str | bytes | bytearray, context: RequestContext):
        raw = request.encode() if isinstance(request, str) else bytes(request)
        if _NUL.search(raw):
            # PostgreSQL cannot store U+0000 in text or jsonb; refuse it on every database alike.
            raise InvalidRequest("Text may not contain NUL (U+0000) characters.")
        parsed = _REQUEST.validate_json(raw)
        await self._check(parsed, context)
        logger.debug("chatkit request %s", parsed.type)
        if is_streaming_req(parsed):
            return StreamingResult(self._process_streaming(parsed, context))
        return NonStreamingResult(await self._process_non_streaming(parsed, context))

    async def _check(self, request: Any, context: RequestContext) -> None:
        """Refuse, before anything is stored or streamed, what the SDK would only find out later.

        The SDK creates a thread before it resolves the message's attachments,
        deletes nothing and answers an empty stream when a retry names an
        unknown item, and treats deletes and item lists of unknown threads as
        successes; each of those is a 4xx here instead.
        """
        params = getattr(request, "params", None)
        limit = getattr(params, "limit", None)
        if limit is not None and not 1 <= limit <= MAX_PAGE_SIZE:
            raise InvalidRequest(f"`limit` must be between 1 and {MAX_PAGE_SIZE}.")
        match request:
            case ThreadsCreateReq():
                for attachment_id in request.params.input.attachments:
                    await self.store.load_attachment(attachment_id, context)
            case ThreadsRetryAfterItemReq():
                item = await self.store.load_item(request.params.thread_id, request.params.item_id, context)
                if not isinstance(item, UserMessageItem):
                    raise InvalidRequest(f"Item {item.id} is not a user message.")
            case ThreadsDeleteReq() | ItemsListReq():
                await self.store.load_thread(request.params.thread_id, context)

    async def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: RequestContext
    ) -> AsyncIterator[ThreadStreamEvent]:
        agent_context = AgentContext(thread=thread, store=self.store, request_context=context)
        recent = await self.store.load_thread_items(thread.id, None, HISTORY_ITEMS, "desc", context)
        history = await self.converter.to_agent_input(list(reversed(recent.data)))
        result = Runner.run_streamed(
            new_trip_planner(),
            history,
            context=agent_context,
            run_config=RunConfig(tracing_disabled=not settings.OPENAI_API_KEY, workflow_name="Merak Trip Planner"),
        )
        async for event in stream_agent_response(agent_context, result):
            yield event

    async def add_feedback(
        self, thread_id: str, item_ids: list[str], feedback: FeedbackKind, context: RequestContext
    ) -> None:
        await self.store.save_feedback(thread_id, item_ids, feedback, context)

    async def action(
        self, thread: ThreadMetadata, action: Action[str, Any], sender: WidgetItem | None, context: RequestContext
    ) -> AsyncIterator[ThreadStreamEvent]:
        # Raised inside the stream, so the client sees it as an error event.
        raise CustomStreamError(f"Unknown action `{action.type}`.")
        yield  # makes this an async generator

    async def sync_action(
        self, thread: ThreadMetadata, action: Action[str, Any], sender: WidgetItem | None, context: RequestContext
    ) -> SyncCustomActionResponse:
        raise InvalidRequest(f"Unknown action `{action.type}`.", code="unknown_action")


@cache
def get_server() -> MerakChatKitServer:
    """The process-wide server (it holds no per-request state)."""
    return MerakChatKitServer()

