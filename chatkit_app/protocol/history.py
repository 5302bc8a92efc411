"""What the model reads of a thread: its stored ChatKit items turned into model input.

The input is Responses-format items that both of the Agents SDK's OpenAI models accept: the
Responses API takes them as they are, and the Chat Completions model converts them to messages
(`agents.models.chatcmpl_converter.Converter.items_to_messages`), which accepts fewer shapes.
"""

from __future__ import annotations

import json

from agents import TResponseInputItem
from chatkit.agents import ThreadItemConverter
from chatkit.types import (
    AssistantMessageItem,
    Attachment,
    ClientToolCallItem,
    HiddenContextItem,
    UserMessageTagContent,
    WidgetItem,
    WorkflowItem,
)
from openai.types.responses import EasyInputMessageParam, ResponseInputContentParam, ResponseInputTextParam

from chatkit_app.attachments.model_input import attachment_input
from chatkit_app.protocol.responder import Responder

# The most of a browser's client tool output (or of a tag's data) the model reads.
MAX_CLIENT_OUTPUT_CHARS = 4000


def assistant_text_input(text: str) -> EasyInputMessageParam:
    """What the assistant said, as input: its text as the message's content.

    The SDK's base converter sends `output_text` parts in an input message; the Responses API
    accepts those, but the Agents SDK's Chat Completions converter rejects them ("Unknown
    content"), so every turn after the first failed on OpenAI-compatible servers. String
    content is valid for both APIs and reaches Chat Completions as `{"role": "assistant",
    "content": text}`.
    """
    return EasyInputMessageParam(type="message", role="assistant", content=text)


class MerakItemConverter(ThreadItemConverter):
    """Turns stored items into model input.

    Attachments become their text, an image or a note (`attachments.model_input`); a
    widget becomes what the assistant showed, not a user message; workflows are left out,
    since the reply after them states the facts their tasks found; hidden context stays a
    note from the user's side (a widget button's request); client tool calls pair a call
    with the browser's output, and calls to client tools the agent does not have are left
    out. What the assistant said or showed is plain text (`assistant_text_input`), readable
    by both OpenAI APIs. Which client tools the agent has, what it reads of a widget and
    whether it reads images are the responder's.
    """

    def __init__(self, responder: Responder) -> None:
        self.responder = responder

    async def assistant_message_to_input(self, item: AssistantMessageItem) -> TResponseInputItem:
        # Parts joined as the SDK's Chat Completions converter joins an output message's parts.
        return assistant_text_input("\n".join(part.text for part in item.content))

    async def attachment_to_message_content(self, attachment: Attachment) -> ResponseInputContentParam:
        return await attachment_input(attachment, send_images=self.responder.reads_images())

    async def widget_to_input(self, item: WidgetItem) -> TResponseInputItem | list[TResponseInputItem] | None:
        return assistant_text_input(f"[Shown to the user as a card]\n{self.responder.widget_as_text(item)}")

    async def hidden_context_to_input(
        self, item: HiddenContextItem
    ) -> TResponseInputItem | list[TResponseInputItem] | None:
        if not isinstance(item.content, str):
            # The SDK only frames text; structured context is read as its JSON.
            item = item.model_copy(update={"content": json.dumps(item.content, ensure_ascii=False, default=str)})
        return await super().hidden_context_to_input(item)

    async def tag_to_message_content(self, tag: UserMessageTagContent) -> ResponseInputContentParam:
        text = self.responder.tag_text(tag)
        if text is None:
            # An @-mention's data comes from the browser: the model gets a bounded excerpt of it.
            data = json.dumps(tag.data, ensure_ascii=False, default=str)[:MAX_CLIENT_OUTPUT_CHARS]
            text = f"@{tag.text}: {data}"
        return ResponseInputTextParam(type="input_text", text=text)

    async def workflow_to_input(self, item: WorkflowItem) -> TResponseInputItem | list[TResponseInputItem] | None:
        return None

    async def client_tool_call_to_input(
        self, item: ClientToolCallItem
    ) -> TResponseInputItem | list[TResponseInputItem] | None:
        if item.name not in self.responder.client_tools:
            return None
        output = json.dumps(item.output, ensure_ascii=False)
        if len(output) > MAX_CLIENT_OUTPUT_CHARS:
            # The browser's answer is untrusted and may be large: the model gets a bounded excerpt.
            item = item.model_copy(update={"output": {"truncated": output[:MAX_CLIENT_OUTPUT_CHARS]}})
        return await super().client_tool_call_to_input(item)
