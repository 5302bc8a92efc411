"""The Chat Completions model for OpenAI-compatible servers (vLLM, Ollama, llama.cpp), with real item ids.

The Agents SDK stamps every item it converts from Chat Completions with the placeholder id
"__fake_id__". ChatKit stores each assistant reply under its item id, so unchanged every reply
in a thread would land on the same row. This model gives each output item its own id.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

from agents import ModelResponse, OpenAIChatCompletionsModel
from agents.items import TResponseOutputItem, TResponseStreamEvent
from agents.models.fake_id import FAKE_RESPONSES_ID


class _RealIds:
    """Hands out one id per output position (and one for the response), stable within a response."""

    def __init__(self) -> None:
        self.response_id = f"resp_{uuid.uuid4().hex}"
        self._by_index: dict[int, str] = {}

    def for_output(self, index: int, item_type: str | None) -> str:
        prefix = "msg" if item_type in (None, "message") else item_type
        return self._by_index.setdefault(index, f"{prefix}_{uuid.uuid4().hex}")

    def fix_item(self, item: Any, index: int) -> Any:
        if getattr(item, "id", None) != FAKE_RESPONSES_ID:
            return item
        return item.model_copy(update={"id": self.for_output(index, getattr(item, "type", None))})

    def fix_event(self, event: TResponseStreamEvent) -> TResponseStreamEvent:
        update: dict[str, Any] = {}
        index = getattr(event, "output_index", None)
        if index is not None:
            if getattr(event, "item_id", None) == FAKE_RESPONSES_ID:
                # Deltas carry no item type; the item.added event before them fixed the id's prefix.
                update["item_id"] = self.for_output(index, None)
            if hasattr(event, "item"):
                update["item"] = self.fix_item(event.item, index)
        response = getattr(event, "response", None)
        if response is not None and hasattr(response, "output"):
            update["response"] = response.model_copy(
                update={
                    "id": self.response_id if response.id == FAKE_RESPONSES_ID else response.id,
                    "output": [self.fix_item(item, i) for i, item in enumerate(response.output)],
                }
            )
        return event.model_copy(update=update) if update else event


class ChatCompletionsModel(OpenAIChatCompletionsModel):
    """`OpenAIChatCompletionsModel` whose output items get unique ids instead of the SDK's placeholder."""

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        response = await super().get_response(*args, **kwargs)
        ids = _RealIds()
        output: list[TResponseOutputItem] = [ids.fix_item(item, i) for i, item in enumerate(response.output)]
        return dataclasses.replace(response, output=output)

    async def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[TResponseStreamEvent]:
        ids = _RealIds()
        async for event in super().stream_response(*args, **kwargs):
            yield ids.fix_event(event)
