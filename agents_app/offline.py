"""The offline Trip Planner model: a deterministic openai-agents `Model` used when no AI model is configured.

It is not a mock. Given the conversation it asks for what is missing, or calls the agent's real
tools (the SDK runs them and calls back: facts, the itinerary card, the browser's map), then
streams a reply written from their results, word by word, as Responses API events — the same
path a real model's reply takes. What it does each turn is decided in `offline_turns`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from agents import FunctionTool, Handoff, Model, ModelResponse, ModelSettings, ModelTracing, Tool, Usage
from agents.agent_output import AgentOutputSchemaBase
from agents.items import TResponseInputItem, TResponseOutputItem, TResponseStreamEvent
from django.conf import settings
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)
from openai.types.responses.response_prompt_param import ResponsePromptParam

from agents_app.conversation import read_conversation
from agents_app.locales import locale_from_instructions
from agents_app.offline_turns import next_step

MODEL_NAME = "merak-offline-planner"
# Each delta carries one word and the whitespace before it, so the deltas join back to the text.
_WORDS = re.compile(r"\s*\S+")


class OfflineTripPlannerModel(Model):
    """Plans trips from the tools' facts with fixed rules; same input (and same day), same reply.

    `today` is injectable so tests can pin the dates it assumes when the user gives none.
    """

    def __init__(self, today: Callable[[], date] | None = None) -> None:
        self._today = today or (lambda: datetime.now(UTC).date())
        # The user's locale, as this turn's instructions name it (the same line a real model reads).
        # Set just before `_next_output` runs, which is synchronous: no other turn can interleave.
        self._locale: str | None = None

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        self._locale = locale_from_instructions(system_instructions)
        output = self._next_output(input, tools)
        return ModelResponse(output=output, usage=Usage(requests=1), response_id=_new_id("resp"))

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        self._locale = locale_from_instructions(system_instructions)
        output = self._next_output(input, tools)
        # Read per call, not at import, so a settings override (tests set 0) takes effect.
        delay = float(getattr(settings, "MERAK_OFFLINE_STREAM_DELAY_MS", 0) or 0) / 1000
        response = _response(output, status="in_progress")
        sequence = _Sequence()
        yield ResponseCreatedEvent(type="response.created", response=response, sequence_number=sequence())
        yield ResponseInProgressEvent(type="response.in_progress", response=response, sequence_number=sequence())
        for index, item in enumerate(output):
            if isinstance(item, ResponseOutputMessage):
                for event in _message_events(item, index, sequence):
                    if delay > 0 and isinstance(event, ResponseTextDeltaEvent):
                        await asyncio.sleep(delay)
                    yield event
            elif isinstance(item, ResponseFunctionToolCall):
                for event in _function_call_events(item, index, sequence):
                    yield event
        yield ResponseCompletedEvent(
            type="response.completed", response=_response(output, status="completed"), sequence_number=sequence()
        )

    def _next_output(self, model_input: str | list[TResponseInputItem], tools: list[Tool]) -> list[TResponseOutputItem]:
        """This turn's output: a question or reply, or function calls to the available tools."""
        available = {tool.name for tool in tools if isinstance(tool, FunctionTool)}
        step = next_step(read_conversation(model_input), available, self._today(), self._locale)
        if step.reply is not None:
            return [_message(step.reply)]
        return [_function_call(name, arguments) for name, arguments in step.calls]


def _new_id(prefix: str) -> str:
    # Random, not derived from the input: ChatKit stores a reply under its message id, so two
    # threads asking the same question must not produce the same ids.
    return f"{prefix}_{uuid.uuid4().hex}"


def _message(text: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(
        id=_new_id("msg"),
        type="message",
        role="assistant",
        status="completed",
        content=[ResponseOutputText(type="output_text", text=text, annotations=[], logprobs=[])],
    )


def _function_call(name: str, arguments: dict[str, Any]) -> ResponseFunctionToolCall:
    return ResponseFunctionToolCall(
        id=_new_id("fc"),
        call_id=_new_id("call"),
        type="function_call",
        name=name,
        arguments=json.dumps(arguments, ensure_ascii=False),
        status="completed",
    )


def _response(output: list[TResponseOutputItem], *, status: str) -> Response:
    return Response(
        id=_new_id("resp"),
        object="response",
        created_at=time.time(),
        model=MODEL_NAME,
        output=output if status == "completed" else [],
        status=status,
        tool_choice="auto",
        tools=[],
        parallel_tool_calls=True,
        top_p=None,
    )


class _Sequence:
    """The running `sequence_number` every stream event carries."""

    def __init__(self) -> None:
        self._next = 0

    def __call__(self) -> int:
        self._next += 1
        return self._next - 1


def _message_events(item: ResponseOutputMessage, index: int, sequence: _Sequence) -> Iterator[TResponseStreamEvent]:
    part = item.content[0]
    assert isinstance(part, ResponseOutputText)
    yield ResponseOutputItemAddedEvent(
        type="response.output_item.added",
        item=item.model_copy(update={"content": [], "status": "in_progress"}),
        output_index=index,
        sequence_number=sequence(),
    )
    yield ResponseContentPartAddedEvent(
        type="response.content_part.added",
        item_id=item.id,
        output_index=index,
        content_index=0,
        part=part.model_copy(update={"text": ""}),
        sequence_number=sequence(),
    )
    for word in _WORDS.findall(part.text):
        yield ResponseTextDeltaEvent(
            type="response.output_text.delta",
            item_id=item.id,
            output_index=index,
            content_index=0,
            delta=word,
            logprobs=[],
            sequence_number=sequence(),
        )
    yield ResponseTextDoneEvent(
        type="response.output_text.done",
        item_id=item.id,
        output_index=index,
        content_index=0,
        text=part.text,
        logprobs=[],
        sequence_number=sequence(),
    )
    yield ResponseContentPartDoneEvent(
        type="response.content_part.done",
        item_id=item.id,
        output_index=index,
        content_index=0,
        part=part,
        sequence_number=sequence(),
    )
    yield ResponseOutputItemDoneEvent(
        type="response.output_item.done", item=item, output_index=index, sequence_number=sequence()
    )


def _function_call_events(
    item: ResponseFunctionToolCall, index: int, sequence: _Sequence
) -> Iterator[TResponseStreamEvent]:
    assert item.id is not None
    yield ResponseOutputItemAddedEvent(
        type="response.output_item.added",
        item=item.model_copy(update={"arguments": "", "status": "in_progress"}),
        output_index=index,
        sequence_number=sequence(),
    )
    yield ResponseFunctionCallArgumentsDeltaEvent(
        type="response.function_call_arguments.delta",
        item_id=item.id,
        output_index=index,
        delta=item.arguments,
        sequence_number=sequence(),
    )
    yield ResponseFunctionCallArgumentsDoneEvent(
        type="response.function_call_arguments.done",
        item_id=item.id,
        output_index=index,
        arguments=item.arguments,
        sequence_number=sequence(),
    )
    yield ResponseOutputItemDoneEvent(
        type="response.output_item.done", item=item, output_index=index, sequence_number=sequence()
    )
