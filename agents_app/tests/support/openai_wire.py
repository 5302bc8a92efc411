"""The stand-in OpenAI server's answers on the wire: a scripted reply as Chat Completions or Responses JSON.

Each is built as OpenAI sends it (streamed: the chunks or events in their order, text a word
at a time, tool call arguments split across deltas) and checked against the `openai` package's
own types, so a mistake here fails loudly rather than teaching the client a wrong shape.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import BaseModel, TypeAdapter

_EVENT = TypeAdapter(ResponseStreamEvent)


@dataclass(frozen=True)
class ToolCall:
    """A function call the model makes."""

    name: str
    arguments: dict[str, Any]
    call_id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:16]}")

    @property
    def arguments_json(self) -> str:
        return json.dumps(self.arguments)


@dataclass(frozen=True)
class Reply:
    """What the model answers to one request: text, function calls, or both (text first); with `thought`, a
    reasoning model's summary of its thinking before them (Chat Completions: `reasoning_content`, as vLLM and
    DeepSeek stream it; Responses: a reasoning item with its summary)."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    thought: str = ""


def say(text: str) -> Reply:
    return Reply(text=text)


def call(tool: str, /, **arguments: Any) -> Reply:
    return Reply(tool_calls=(ToolCall(tool, arguments),))


def _words(text: str) -> list[str]:
    return re.findall(r"\s*\S+\s*", text) or [text]


def _halves(text: str) -> list[str]:
    middle = len(text) // 2
    return [text[:middle], text[middle:]]


def _checked(model: type[BaseModel] | TypeAdapter, payload: dict[str, Any]) -> dict[str, Any]:
    if isinstance(model, TypeAdapter):
        model.validate_python(payload)
    else:
        model.model_validate(payload)
    return payload


@dataclass(frozen=True)
class Tokens:
    """Made-up but plausible token counts: about four characters a token."""

    prompt: int
    completion: int

    @classmethod
    def of(cls, body: dict[str, Any], reply: Reply) -> Tokens:
        answer = reply.thought + reply.text + "".join(c.name + c.arguments_json for c in reply.tool_calls)
        return cls(prompt=len(json.dumps(body)) // 4 + 1, completion=len(answer) // 4 + 1)


# --- Chat Completions ---------------------------------------------------------------------


def _chat_usage(tokens: Tokens) -> dict[str, int]:
    total = tokens.prompt + tokens.completion
    return {"prompt_tokens": tokens.prompt, "completion_tokens": tokens.completion, "total_tokens": total}


def _chat_tool_call(call: ToolCall) -> dict[str, Any]:
    return {"id": call.call_id, "type": "function", "function": {"name": call.name, "arguments": call.arguments_json}}


def chat_completion(model: str, reply: Reply, tokens: Tokens) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [_chat_tool_call(c) for c in reply.tool_calls]
    finish = "tool_calls" if reply.tool_calls else "stop"
    completion = {
        "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
        "model": model, "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": _chat_usage(tokens),
    }  # fmt: skip
    return _checked(ChatCompletion, completion)


def chat_chunks(model: str, reply: Reply, tokens: Tokens, include_usage: bool) -> list[dict[str, Any]]:
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk", "created": int(time.time())}
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    deltas += [{"reasoning_content": word} for word in _words(reply.thought)] if reply.thought else []
    deltas += [{"content": word} for word in _words(reply.text)] if reply.text else []
    for index, tool_call in enumerate(reply.tool_calls):
        function = {"name": tool_call.name, "arguments": ""}
        deltas.append(
            {"tool_calls": [{"index": index, "id": tool_call.call_id, "type": "function", "function": function}]}
        )
        deltas += [
            {"tool_calls": [{"index": index, "function": {"arguments": part}}]}
            for part in _halves(tool_call.arguments_json)
        ]
    chunks = [
        {**base, "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]} for delta in deltas
    ]
    finish = "tool_calls" if reply.tool_calls else "stop"
    chunks.append({**base, "model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if include_usage:
        chunks.append({**base, "model": model, "choices": [], "usage": _chat_usage(tokens)})
    return [_checked(ChatCompletionChunk, chunk) for chunk in chunks]


# --- Responses ----------------------------------------------------------------------------


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def _output_items(reply: Reply) -> list[dict[str, Any]]:
    items = []
    if reply.thought:
        summary = [{"type": "summary_text", "text": reply.thought}]
        items.append({"id": f"rs_{uuid.uuid4().hex}", "type": "reasoning", "summary": summary})
    if reply.text:
        items.append({
            "id": f"msg_{uuid.uuid4().hex}", "type": "message", "role": "assistant", "status": "completed",
            "content": [_text_part(reply.text)],
        })  # fmt: skip
    for tool_call in reply.tool_calls:
        items.append({
            "id": f"fc_{uuid.uuid4().hex}", "type": "function_call", "status": "completed",
            "call_id": tool_call.call_id, "name": tool_call.name, "arguments": tool_call.arguments_json,
        })  # fmt: skip
    return items


def _response(model: str, response_id: str, output: list[dict[str, Any]], tokens: Tokens | None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "id": response_id, "object": "response", "created_at": int(time.time()), "model": model,
        "status": "completed" if tokens else "in_progress", "output": output,
        "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
    }  # fmt: skip
    if tokens is not None:
        response["usage"] = {
            "input_tokens": tokens.prompt, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": tokens.completion, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": tokens.prompt + tokens.completion,
        }  # fmt: skip
    return _checked(Response, response)


def response(model: str, reply: Reply, tokens: Tokens) -> dict[str, Any]:
    return _response(model, f"resp_{uuid.uuid4().hex}", _output_items(reply), tokens)


def response_events(model: str, reply: Reply, tokens: Tokens) -> list[dict[str, Any]]:
    response_id = f"resp_{uuid.uuid4().hex}"
    output = _output_items(reply)
    events: list[dict[str, Any]] = [{"type": "response.created", "response": _response(model, response_id, [], None)}]
    for index, item in enumerate(output):
        at = {"item_id": item["id"], "output_index": index}
        events.append({"type": "response.output_item.added", "output_index": index, "item": _in_progress(item)})
        if item["type"] == "reasoning":
            thought = item["summary"][0]["text"]
            part = {**at, "summary_index": 0}
            events.append({"type": "response.reasoning_summary_part.added", **part, "part": _summary("")})
            events += [{"type": "response.reasoning_summary_text.delta", **part, "delta": w} for w in _words(thought)]
            events.append({"type": "response.reasoning_summary_text.done", **part, "text": thought})
            events.append({"type": "response.reasoning_summary_part.done", **part, "part": _summary(thought)})
        elif item["type"] == "message":
            text = item["content"][0]["text"]
            part = {**at, "content_index": 0}
            events.append({"type": "response.content_part.added", **part, "part": _text_part("")})
            events += [{"type": "response.output_text.delta", **part, "delta": w, "logprobs": []} for w in _words(text)]
            events.append({"type": "response.output_text.done", **part, "text": text, "logprobs": []})
            events.append({"type": "response.content_part.done", **part, "part": _text_part(text)})
        else:
            arguments = item["arguments"]
            events += [{"type": "response.function_call_arguments.delta", **at, "delta": d} for d in _halves(arguments)]
            events.append({"type": "response.function_call_arguments.done", **at, "arguments": arguments})
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    events.append({"type": "response.completed", "response": _response(model, response_id, output, tokens)})
    return [_checked(_EVENT, {**event, "sequence_number": n}) for n, event in enumerate(events)]


def _summary(text: str) -> dict[str, Any]:
    return {"type": "summary_text", "text": text}


def _in_progress(item: dict[str, Any]) -> dict[str, Any]:
    if item["type"] == "reasoning":
        return {**item, "summary": []}
    if item["type"] == "message":
        return {**item, "status": "in_progress", "content": []}
    return {**item, "status": "in_progress", "arguments": ""}
