"""The offline model's output in the Responses API's shapes: output items, and the stream events a real model sends.

Text streams a word at a time; ids are random, as a real model's are.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from agents.items import TResponseOutputItem, TResponseStreamEvent
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
    ResponseReasoningItem,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseReasoningSummaryPartDoneEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseReasoningSummaryTextDoneEvent,
    ResponseStatus,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response_reasoning_item import Summary
from openai.types.responses.response_reasoning_summary_part_added_event import Part as AddedPart
from openai.types.responses.response_reasoning_summary_part_done_event import Part as DonePart
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

MODEL_NAME = "merak-offline-planner"
# Each delta carries one word and the whitespace before it, so the deltas join back to the text.
_WORDS = re.compile(r"\s*\S+")


def stream_events(
    output: list[TResponseOutputItem], usage: ResponseUsage | None = None
) -> Iterator[TResponseStreamEvent]:
    """Every event of a streamed response whose output is `output`, from `response.created` to `response.completed`
    (which carries `usage`)."""
    response = _response(output, status="in_progress")
    sequence = _Sequence()
    yield ResponseCreatedEvent(type="response.created", response=response, sequence_number=sequence())
    yield ResponseInProgressEvent(type="response.in_progress", response=response, sequence_number=sequence())
    for index, item in enumerate(output):
        if isinstance(item, ResponseReasoningItem):
            yield from _reasoning_events(item, index, sequence)
        elif isinstance(item, ResponseOutputMessage):
            yield from _message_events(item, index, sequence)
        elif isinstance(item, ResponseFunctionToolCall):
            yield from _function_call_events(item, index, sequence)
    completed = _response(output, status="completed").model_copy(update={"usage": usage})
    yield ResponseCompletedEvent(type="response.completed", response=completed, sequence_number=sequence())


def new_id(prefix: str) -> str:
    # Random, not derived from the input: ChatKit stores a reply under its message id, so two
    # threads asking the same question must not produce the same ids.
    return f"{prefix}_{uuid.uuid4().hex}"


def message(text: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(
        id=new_id("msg"),
        type="message",
        role="assistant",
        status="completed",
        content=[ResponseOutputText(type="output_text", text=text, annotations=[], logprobs=[])],
    )


def reasoning(summary: str) -> ResponseReasoningItem:
    """A reasoning item with its summary, as a reasoning model's output starts."""
    return ResponseReasoningItem(
        id=new_id("rs"), type="reasoning", summary=[Summary(type="summary_text", text=summary)]
    )


def function_call(name: str, arguments: dict[str, Any]) -> ResponseFunctionToolCall:
    return ResponseFunctionToolCall(
        id=new_id("fc"),
        call_id=new_id("call"),
        type="function_call",
        name=name,
        arguments=json.dumps(arguments, ensure_ascii=False),
        status="completed",
    )


def _response(output: list[TResponseOutputItem], *, status: ResponseStatus) -> Response:
    return Response(
        id=new_id("resp"),
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


def _reasoning_events(item: ResponseReasoningItem, index: int, sequence: _Sequence) -> Iterator[TResponseStreamEvent]:
    text = item.summary[0].text
    at: dict[str, Any] = {"item_id": item.id, "output_index": index, "summary_index": 0}
    yield ResponseOutputItemAddedEvent(
        type="response.output_item.added",
        item=item.model_copy(update={"summary": []}),
        output_index=index,
        sequence_number=sequence(),
    )
    yield ResponseReasoningSummaryPartAddedEvent(
        type="response.reasoning_summary_part.added",
        part=AddedPart(type="summary_text", text=""),
        sequence_number=sequence(),
        **at,
    )
    for word in _WORDS.findall(text):
        yield ResponseReasoningSummaryTextDeltaEvent(
            type="response.reasoning_summary_text.delta", delta=word, sequence_number=sequence(), **at
        )
    yield ResponseReasoningSummaryTextDoneEvent(
        type="response.reasoning_summary_text.done", text=text, sequence_number=sequence(), **at
    )
    yield ResponseReasoningSummaryPartDoneEvent(
        type="response.reasoning_summary_part.done",
        part=DonePart(type="summary_text", text=text),
        sequence_number=sequence(),
        **at,
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


def word_usage(instructions: str | None, model_input: object, output: list[TResponseOutputItem]) -> ResponseUsage:
    """What this planner reports it used: words, not tokens (it has no tokenizer), counted honestly."""
    read = _words(instructions) + _words(json.dumps(model_input, default=str))
    written = sum(_words(_written(item)) for item in output)
    thought = sum(_words(_written(item)) for item in output if isinstance(item, ResponseReasoningItem))
    return ResponseUsage(
        input_tokens=read,
        input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
        output_tokens=written,
        output_tokens_details=OutputTokensDetails(reasoning_tokens=thought),
        total_tokens=read + written,
    )


def _written(item: TResponseOutputItem) -> str:
    """What an output item says: a message's text, a tool call's name and arguments, a reasoning summary."""
    if isinstance(item, ResponseOutputMessage):
        return " ".join(getattr(part, "text", "") for part in item.content)
    if isinstance(item, ResponseFunctionToolCall):
        return f"{item.name} {item.arguments}"
    if isinstance(item, ResponseReasoningItem):
        return " ".join(part.text for part in item.summary)
    return ""


def _words(text: str | None) -> int:
    return len(text.split()) if text else 0
