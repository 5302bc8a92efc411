"""What the model reads of a thread: its stored ChatKit items turned into model input."""

from __future__ import annotations

import json

from agents import TResponseInputItem
from chatkit.agents import ThreadItemConverter
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    Attachment,
    ClientToolCallItem,
    WidgetItem,
    WorkflowItem,
)
from openai.types.responses import ResponseInputContentParam

from agents_app.tools import CLIENT_TOOL_NAMES
from agents_app.widgets import widget_texts

from .attachment_input import attachment_input

# The most of a browser's client tool output the model reads.
MAX_CLIENT_OUTPUT_CHARS = 4000


class MerakItemConverter(ThreadItemConverter):
    """Turns stored items into model input.

    Attachments become their text, an image or a note (`attachment_input`); a widget becomes what the assistant showed
    (its copy text), not a user message; workflows are left out, since the reply after them
    states the facts their tasks found; hidden context stays a note from the user's side (the
    itinerary buttons' requests); client tool calls pair a call with the browser's output,
    and calls to client tools the agent does not have are left out.
    """

    async def attachment_to_message_content(self, attachment: Attachment) -> ResponseInputContentParam:
        return await attachment_input(attachment)

    async def widget_to_input(self, item: WidgetItem) -> TResponseInputItem | list[TResponseInputItem] | None:
        text = item.copy_text or " · ".join(widget_texts(item.widget))
        shown = AssistantMessageItem(
            id=item.id,
            thread_id=item.thread_id,
            created_at=item.created_at,
            content=[AssistantMessageContent(text=f"[Shown to the user as a card]\n{text}")],
        )
        return await self.assistant_message_to_input(shown)

    async def workflow_to_input(self, item: WorkflowItem) -> TResponseInputItem | list[TResponseInputItem] | None:
        return None

    async def client_tool_call_to_input(
        self, item: ClientToolCallItem
    ) -> TResponseInputItem | list[TResponseInputItem] | None:
        if item.name not in CLIENT_TOOL_NAMES:
            return None
        output = json.dumps(item.output, ensure_ascii=False)
        if len(output) > MAX_CLIENT_OUTPUT_CHARS:
            # The browser's answer is untrusted and may be large: the model gets a bounded excerpt.
            item = item.model_copy(update={"output": {"truncated": output[:MAX_CLIENT_OUTPUT_CHARS]}})
        return await super().client_tool_call_to_input(item)
