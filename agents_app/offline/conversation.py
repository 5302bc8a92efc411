"""Reads a Responses-format conversation for the offline planner: what the user said, and which tools answered since."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents import TResponseInputItem


@dataclass(frozen=True, slots=True)
class ToolExchange:
    """One function call the model made since the user last spoke, and what the tool returned."""

    name: str
    arguments: dict[str, Any]
    output: dict[str, Any] | None  # None until the SDK has run the tool


@dataclass(frozen=True, slots=True)
class Conversation:
    """The parts of a model input the offline planner decides on."""

    # Oldest first. A turn is a run of consecutive user messages: what the user typed, then any
    # context that came with it (attached files, quoted text, @-mention details).
    user_turns: list[list[str]] = field(default_factory=list)
    # Calls and outputs after the latest user message: the tools' answers to it.
    exchanges: list[ToolExchange] = field(default_factory=list)

    @property
    def tools_have_answered(self) -> bool:
        return any(exchange.output is not None for exchange in self.exchanges)


def read_conversation(model_input: str | Sequence[TResponseInputItem]) -> Conversation:
    """Split the model input into user turns and the tool exchanges since the last one."""
    if isinstance(model_input, str):
        return Conversation(user_turns=[[model_input]] if model_input.strip() else [])
    items = [_as_mapping(item) for item in model_input]
    user_turns: list[list[str]] = []
    previous_was_user = False
    last_user_index = -1
    for index, item in enumerate(items):
        is_user = item.get("role") == "user" and item.get("type", "message") == "message"
        if is_user:
            last_user_index = index
            texts = _message_parts(item.get("content"))
            if previous_was_user and user_turns:
                user_turns[-1].extend(texts)
            else:
                user_turns.append(texts)
        previous_was_user = is_user
    return Conversation(
        user_turns=[turn for turn in user_turns if any(text.strip() for text in turn)],
        exchanges=_exchanges(items[last_user_index + 1 :]),
    )


def _exchanges(items: list[Mapping[str, Any]]) -> list[ToolExchange]:
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    outputs: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.get("type") == "function_call":
            calls[str(item.get("call_id"))] = (str(item.get("name")), _json_object(item.get("arguments")))
        elif item.get("type") == "function_call_output":
            outputs[str(item.get("call_id"))] = _tool_output(item.get("output"))
    return [ToolExchange(name, arguments, outputs.get(call_id)) for call_id, (name, arguments) in calls.items()]


def _as_mapping(item: Any) -> Mapping[str, Any]:
    # The SDK mostly hands over plain dicts, but items it built itself can be pydantic models.
    if isinstance(item, Mapping):
        return item
    if hasattr(item, "model_dump"):
        return item.model_dump(exclude_unset=True)
    return {}


_TEXT_PARTS = ("input_text", "output_text", "text")


# How ChatKit's agents helper hands the model the answers to a structured-input form: an English
# sentence around "- question: answer" lines. The lines are the user's words (and tell their language).
_FORM_ANSWERS = re.compile(r"<StructuredInput>\n(.*)\n</StructuredInput>", re.DOTALL)


def _message_parts(content: Any) -> list[str]:
    """A user message's text parts, each apart: what the user typed first, then what came with it
    (an attached file's text or a note about it), which counts for less."""
    if isinstance(content, str):
        return [_users_words(content)]
    parts = [_as_mapping(part) for part in content or ()]
    return [_users_words(_message_text([part])) for part in parts if part.get("type") in _TEXT_PARTS] or [""]


def _users_words(text: str) -> str:
    answers = _FORM_ANSWERS.search(text)
    return answers.group(1) if answers else text


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for part in content or ():
        part = _as_mapping(part)
        if part.get("type") in _TEXT_PARTS and isinstance(part.get("text"), str):
            parts.append(part["text"])
    return "\n".join(parts)


def _json_object(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _tool_output(output: Any) -> dict[str, Any]:
    """A tool's JSON result as an object; other JSON (a browser's `true`) under "value"; anything
    else (the SDK's own failure text) becomes an error result."""
    if not isinstance(output, str):
        output = _message_text(output)
    try:
        parsed = json.loads(output)
    except json.JSONDecodeError:
        return {"error": "tool_failed", "message": output.strip() or "The tool returned nothing."}
    return parsed if isinstance(parsed, dict) else {"value": parsed}
