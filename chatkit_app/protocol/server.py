"""`MerakChatKitServer`: the ChatKit protocol on our store, answered by the responder's agent (`responder`)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any, overload

from agents import Runner, RunResultStreaming, ToolCallItem
from chatkit.agents import AgentContext, stream_agent_response
from chatkit.errors import CustomStreamError
from chatkit.server import NonStreamingResult, StreamingResult
from chatkit.types import (
    Action,
    AssistantMessageItem,
    AudioInput,
    ChatKitReq,
    ClientToolCallItem,
    FeedbackKind,
    HiddenContextItem,
    InferenceOptions,
    InputTranscribeReq,
    ItemsListReq,
    NonStreamingReq,
    ProgressUpdateEvent,
    StreamingReq,
    StructuredInputItem,
    SyncCustomActionResponse,
    ThreadItem,
    ThreadItemDoneEvent,
    ThreadMetadata,
    ThreadsAddStructuredInputReq,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadsCustomActionReq,
    ThreadsDeleteReq,
    ThreadsRetryAfterItemReq,
    ThreadsSyncCustomActionReq,
    ThreadStreamEvent,
    TranscriptionResult,
    UserMessageItem,
    WidgetItem,
    is_streaming_req,
)
from openai.types.responses import ResponseFunctionToolCall

from chatkit_app.attachments.store import DjangoAttachmentStore
from chatkit_app.identity.auth import RequestContext
from chatkit_app.protocol.errors import ApiError, InvalidRequest, NotSupported
from chatkit_app.protocol.history import MerakItemConverter
from chatkit_app.protocol.recordings import checked_recording
from chatkit_app.protocol.responder import (
    ActionRefused,
    Picked,
    Responder,
    ToolUse,
    TranscriptionFailed,
    get_responder,
)
from chatkit_app.runs.inflight import InFlight
from chatkit_app.store import DjangoStore, get_store
from merak_project.runtime.chatkit_sdk import LeanChatKitServer

logger = logging.getLogger(__name__)

# A JSON `\u0000` escape (an even run of backslashes before it means the
# backslash itself was escaped, which is harmless text).
_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")

# How much of a thread the model sees: the most recent items, oldest first.
HISTORY_ITEMS = 100
MAX_PAGE_SIZE = 100


def _message_text(item: UserMessageItem) -> str:
    return "".join(part.text if part.type == "input_text" else f"@{part.text}" for part in item.content)


class MerakChatKitServer(LeanChatKitServer[RequestContext]):
    """Routes ChatKit requests to the store, and streams replies from the responder's agent."""

    store: DjangoStore[RequestContext]

    def __init__(self) -> None:
        store = get_store()
        super().__init__(store=store, attachment_store=DjangoAttachmentStore(store))

    async def process(
        self, request: str | bytes | bytearray, context: RequestContext
    ) -> StreamingResult | NonStreamingResult:
        return await self.handle(self.parse(request), context)

    def parse(self, request: str | bytes | bytearray) -> ChatKitReq:
        """The body as the SDK's typed request; pydantic's `ValidationError` when it is not one."""
        raw = request.encode() if isinstance(request, str) else bytes(request)
        if _NUL.search(raw):
            # PostgreSQL cannot store U+0000 (the store would replace it): refuse it on every database alike.
            raise InvalidRequest("Text may not contain NUL (U+0000) characters.")
        return super().parse(raw)

    def addressed(self, parsed: ChatKitReq, context: RequestContext) -> tuple[str | None, RequestContext]:
        """The thread this request is about and the context to handle it in.

        For `threads.create` that is the new thread, its id chosen now, so that
        the caller can take its lease before the thread exists.
        """
        if isinstance(parsed, ThreadsCreateReq):
            if context.new_thread_id is None:
                context = replace(context, new_thread_id=self.store.generate_thread_id(context))
            return context.new_thread_id, context
        return getattr(getattr(parsed, "params", None), "thread_id", None), context

    @overload
    async def handle(self, parsed: StreamingReq, context: RequestContext) -> StreamingResult: ...
    @overload
    async def handle(self, parsed: NonStreamingReq, context: RequestContext) -> NonStreamingResult: ...
    async def handle(self, parsed: ChatKitReq, context: RequestContext) -> StreamingResult | NonStreamingResult:
        """`process()` for an already parsed request (the view parses first, to log and guard it)."""
        await self._check(parsed, context)
        logger.debug("chatkit request %s", parsed.type)
        _, context = self.addressed(parsed, context)
        if is_streaming_req(parsed):
            return StreamingResult(self._process_streaming(parsed, context))
        return NonStreamingResult(await self._process_non_streaming(parsed, context))

    async def stream_events(self, request: StreamingReq, context: RequestContext) -> AsyncIterator[ThreadStreamEvent]:
        """The SDK's events, with the items in flight stored as they grow (`runs.inflight`), and the reply's
        figures taken as they go by (`runs.usage`)."""
        inflight = InFlight(self.store, context)
        record = context.reply
        try:
            async for event in super().stream_events(request, context):
                inflight.observe(event)
                if record is not None:
                    record.observe(event)
                yield event
                if inflight.flush_due():
                    await inflight.flush_between_events()
        except asyncio.CancelledError:
            # The SDK has stored the partial text and its note; the card or workflow in flight too.
            await asyncio.shield(inflight.save_unfinished())
            raise

    async def _check(self, request: Any, context: RequestContext) -> None:
        """Refuse, before anything is stored or streamed, what the SDK would only find out later.

        The SDK creates a thread before it resolves the message's attachments,
        deletes nothing and answers an empty stream when a retry names an
        unknown item, treats deletes and item lists of unknown threads as
        successes, and answers an action sent from an item that is no widget
        with an error event; each of those is a 4xx here instead.
        """
        params = getattr(request, "params", None)
        limit = getattr(params, "limit", None)
        if limit is not None and not 1 <= limit <= MAX_PAGE_SIZE:
            raise InvalidRequest(f"`limit` must be between 1 and {MAX_PAGE_SIZE}.")
        match request:
            case InputTranscribeReq():
                if not get_responder().dictation():
                    raise NotSupported("Dictation is not available on this server: it has no transcription model.")
                # Off the event loop: mutagen reads the recording's header (an MP3's, wherever it is).
                await asyncio.to_thread(checked_recording, request.params)
            case ThreadsCreateReq() | ThreadsAddUserMessageReq():
                _check_picked(request.params.input.inference_options, get_responder())
                for attachment_id in request.params.input.attachments:
                    await self.store.load_attachment(attachment_id, context)
            case ThreadsAddStructuredInputReq():
                # The SDK finds out only inside the stream, and answers a bare `stream.error`.
                item = await self.store.load_item(request.params.thread_id, request.params.item_id, context)
                if not isinstance(item, StructuredInputItem):
                    raise InvalidRequest(f"Item {item.id} is not a question to answer.")
                if item.status != "pending":
                    raise InvalidRequest(f"Item {item.id} was already {item.status}.", code="already_answered")
            case ThreadsRetryAfterItemReq():
                item = await self.store.load_item(request.params.thread_id, request.params.item_id, context)
                if not isinstance(item, UserMessageItem):
                    raise InvalidRequest(f"Item {item.id} is not a user message.")
            case ThreadsDeleteReq() | ItemsListReq():
                await self.store.load_thread(request.params.thread_id, context)
            case ThreadsCustomActionReq() | ThreadsSyncCustomActionReq() if request.params.item_id:
                # The SDK answers a bare `stream.error` for an action sent from anything but a widget.
                item = await self.store.load_item(request.params.thread_id, request.params.item_id, context)
                if not isinstance(item, WidgetItem):
                    raise InvalidRequest(f"Item {item.id} is not a widget: actions come from widgets.")

    async def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: RequestContext
    ) -> AsyncIterator[ThreadStreamEvent]:
        # After the first exchange the thread gets a title; the SDK then saves the changed thread
        # and streams `thread.updated`.
        first_message = _message_text(input_user_message) if input_user_message and thread.title is None else None
        # The tool the user picked steers the reply to their message, not the runs after it (a client tool's answer).
        tool = _picked(input_user_message).tool if input_user_message is not None else None
        # Written alongside the answer (a model call, for some responders), so it adds no wait.
        writing = asyncio.create_task(get_responder().title(first_message)) if first_message is not None else None
        # A new thread holds just this message: the run needs no read of it.
        history: list[ThreadItem] | None = (
            [input_user_message] if context.new_thread_id == thread.id and input_user_message else None
        )
        try:
            async for event in self._run_agent(thread, context, newest_first=history, tool=tool):
                yield event
            if writing is not None:
                thread.title = await writing
        finally:
            if writing is not None and not writing.done():
                writing.cancel()

    async def _run_agent(
        self,
        thread: ThreadMetadata,
        context: RequestContext,
        newest_first: list[ThreadItem] | None = None,
        tool: str | None = None,
    ) -> AsyncIterator[ThreadStreamEvent]:
        """One run of the responder's agent on the thread so far (all of it when given), streamed as thread events:
        with the model picked for the latest user message, and `tool` when the run answers that message."""
        responder = get_responder()
        agent_context = AgentContext(thread=thread, store=self.store, request_context=context)
        if newest_first is None:
            recent = await self.store.load_thread_items(thread.id, None, HISTORY_ITEMS, "desc", context)
            newest_first, complete = recent.data, not recent.has_more
        else:
            complete = True
        items = list(reversed(newest_first))
        if items and isinstance(items[-1], ClientToolCallItem) and items[-1].name not in responder.client_tools:
            logger.warning("Output for unknown client tool %r in thread %s; ignored.", items[-1].name, thread.id)
        history = await MerakItemConverter(responder).to_agent_input(items)
        latest = next((item for item in reversed(items) if isinstance(item, UserMessageItem)), None)
        agent = responder.new_agent(_still_offered(Picked(model=_picked(latest).model, tool=tool), responder))
        result = Runner.run_streamed(agent, history, context=agent_context, run_config=responder.run_config())
        # `stream_agent_response` reads the newest items again as it starts: it gets these.
        self.store.remember_newest_items(thread.id, newest_first, complete=complete, context=context)
        try:
            async for event in stream_agent_response(agent_context, result):
                if isinstance(event, ThreadItemDoneEvent) and isinstance(event.item, AssistantMessageItem):
                    _cite(event.item, responder, result)  # before it is stored and sent
                yield event
        finally:
            if not result.is_complete:  # abandoned: the client left, or the stream failed
                result.cancel()
            if context.reply is not None:
                context.reply.ran(*responder.describe_model(agent), result)

    async def transcribe(self, audio_input: AudioInput, context: RequestContext) -> TranscriptionResult:
        """Dictation: the recording (checked in `_check`) as text for the composer; a 400 when nothing was heard."""
        try:
            text = await get_responder().transcribe(audio_input.data, audio_input.media_type)
        except TranscriptionFailed as failure:
            raise ApiError(str(failure), code="transcription_failed", status=502) from None
        if not text.strip():
            raise InvalidRequest("Nothing was heard in the recording.", code="no_speech")
        return TranscriptionResult(text=text.strip())

    async def add_feedback(
        self, thread_id: str, item_ids: list[str], feedback: FeedbackKind, context: RequestContext
    ) -> None:
        await self.store.save_feedback(thread_id, item_ids, feedback, context)

    async def action(
        self, thread: ThreadMetadata, action: Action[str, Any], sender: WidgetItem | None, context: RequestContext
    ) -> AsyncIterator[ThreadStreamEvent]:
        """A widget's action (an itinerary card's button): note the request for the agent, then let it answer."""
        try:
            request = get_responder().action_note(action, sender)
        except ActionRefused as refusal:
            # Raised inside the stream, so the client sees it as an error event.
            raise CustomStreamError(str(refusal)) from None
        yield ProgressUpdateEvent(text=request.progress, icon=request.icon)
        # Stored (the SDK saves done items) but never sent to the browser: the agent reads it as the request.
        yield ThreadItemDoneEvent(
            item=HiddenContextItem(
                id=self.store.generate_item_id("message", thread, context),
                thread_id=thread.id,
                created_at=datetime.now(),
                content=request.note,
            )
        )
        async for event in self._run_agent(thread, context):
            yield event

    async def sync_action(
        self, thread: ThreadMetadata, action: Action[str, Any], sender: WidgetItem | None, context: RequestContext
    ) -> SyncCustomActionResponse:
        """A widget's action answered at once (the card's clock switch): the responder redraws the widget; it is
        stored in place of the old one and sent back for the browser to swap in."""
        try:
            updated = await get_responder().sync_action(action, sender, context)
        except ActionRefused as refusal:
            raise InvalidRequest(str(refusal), code=refusal.code) from None
        if sender is None or (updated.id, updated.thread_id) != (sender.id, thread.id):
            raise AssertionError("a sync action redraws the widget that sent it")
        await self.store.save_item(thread.id, updated, context)
        return SyncCustomActionResponse(updated_item=updated)


def _cite(reply: AssistantMessageItem, responder: Responder, result: RunResultStreaming) -> None:
    """Attach to the reply's text what the responder says it cites, from the tools its run has called."""
    if not reply.content:
        return
    used = [
        ToolUse(item.raw_item.name, item.raw_item.arguments)
        for item in result.new_items
        if isinstance(item, ToolCallItem) and isinstance(item.raw_item, ResponseFunctionToolCall)
    ]
    text = reply.content[-1]
    try:
        cited = responder.sources(text.text, used)
    except Exception:  # a reply without its sources beats a reply lost
        logger.exception("The responder's sources failed; the reply goes without them.")
        return
    text.annotations = [*text.annotations, *cited]


def _picked(message: UserMessageItem | None) -> Picked:
    options = message.inference_options if message is not None else None
    if options is None:
        return Picked()
    return Picked(model=options.model, tool=options.tool_choice.id if options.tool_choice else None)


def _check_picked(options: InferenceOptions | None, responder: Responder) -> None:
    """A 400 for a model or tool the responder does not offer (before anything is stored)."""
    if options is None:
        return
    if options.model is not None and options.model not in {model.id for model in responder.models()}:
        raise InvalidRequest(f"Unknown model `{options.model}`.", code="unknown_model")
    if options.tool_choice is not None and options.tool_choice.id not in {tool.id for tool in responder.tools()}:
        raise InvalidRequest(f"Unknown tool `{options.tool_choice.id}`.", code="unknown_tool")


def _still_offered(picked: Picked, responder: Responder) -> Picked:
    """`picked`, less what is no longer offered (a message stored before the settings changed): its default."""
    model = picked.model if picked.model in {model.id for model in responder.models()} else None
    tool = picked.tool if picked.tool in {tool.id for tool in responder.tools()} else None
    return Picked(model=model, tool=tool)


@cache
def get_server() -> MerakChatKitServer:
    """The process-wide server (it holds no per-request state)."""
    return MerakChatKitServer()
