"""factory-boy factories for the ChatKit tables, making rows the store could have written.

`data` is built through the SDK's own types, so it is valid ChatKit JSON, and the
columns beside it (ids, type, user, created_at, title, status) agree with it.

    thread = ThreadFactory(user_id="bob")
    UserMessageFactory(thread=thread, text="Plan a weekend in Lisbon")
    AssistantMessageFactory(thread=thread, text="Here is a plan...")
    ItemFactory(thread=thread, fields={"type": "hidden_context_item", "content": {"k": 1}})
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory
from chatkit.types import Attachment as SDKAttachment
from chatkit.types import ThreadItem, ThreadMetadata
from factory.django import DjangoModelFactory
from pydantic import TypeAdapter

from chatkit_app import models
from chatkit_app.store.rows import item_text

_ITEM = TypeAdapter(ThreadItem)
_ATTACHMENT = TypeAdapter(SDKAttachment)

# Rows are stamped a minute apart from here, in creation order.
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def _minute(n: int) -> datetime:
    return EPOCH + timedelta(minutes=n)


def _item_json(fields: dict) -> dict:
    with warnings.catch_warnings():
        # The SDK warns when a widget is built from its named classes; a dict is what a model streams.
        warnings.filterwarnings("ignore", "Direct usage of named widget classes", DeprecationWarning)
        return _ITEM.validate_python(fields).model_dump(mode="json")


class ThreadFactory(DjangoModelFactory):
    class Meta:
        model = models.Thread

    thread_id = factory.Sequence(lambda n: f"thr_test{n:06d}")
    user_id = "alice"
    title = factory.Sequence(lambda n: f"Trip {n}")
    status = "active"  # or "locked", "closed"
    created_at = factory.Sequence(_minute)
    data = factory.LazyAttribute(
        lambda o: ThreadMetadata(
            id=o.thread_id, title=o.title or None, created_at=o.created_at, status={"type": o.status}
        ).model_dump(mode="json")
    )


class ItemFactory(DjangoModelFactory):
    """Any ThreadItem: `fields` is the type-specific part of its JSON, "type" included."""

    class Meta:
        model = models.Item

    class Params:
        fields = {"type": "end_of_turn"}

    thread = factory.SubFactory(ThreadFactory)
    item_id = factory.Sequence(lambda n: f"itm_test{n:06d}")
    user_id = factory.SelfAttribute("thread.user_id")
    created_at = factory.Sequence(_minute)
    type = factory.LazyAttribute(lambda o: o.fields["type"])
    data = factory.LazyAttribute(
        lambda o: _item_json({**o.fields, "id": o.item_id, "thread_id": o.thread.thread_id, "created_at": o.created_at})
    )
    text = factory.LazyAttribute(lambda o: item_text(_ITEM.validate_python(o.data)))


class UserMessageFactory(ItemFactory):
    class Params:
        text = "Plan a weekend in Lisbon."
        fields = factory.LazyAttribute(
            lambda o: {
                "type": "user_message",
                "content": [{"type": "input_text", "text": o.text}],
                "inference_options": {},
            }
        )


class AssistantMessageFactory(ItemFactory):
    class Params:
        text = "Here is a weekend in Lisbon."
        fields = factory.LazyAttribute(
            lambda o: {
                "type": "assistant_message",
                "content": [{"type": "output_text", "text": o.text, "annotations": []}],
            }
        )


class ClientToolCallFactory(ItemFactory):
    class Params:
        name = "get_weather"
        arguments = {"city": "Lisbon"}
        output = None
        fields = factory.LazyAttribute(
            lambda o: {
                "type": "client_tool_call",
                "status": "pending" if o.output is None else "completed",
                "call_id": f"call_{o.item_id}",
                "name": o.name,
                "arguments": o.arguments,
                "output": o.output,
            }
        )


class WidgetItemFactory(ItemFactory):
    class Params:
        widget = {"type": "Card", "children": [{"type": "Text", "value": "Lisbon, 3 days"}]}
        fields = factory.LazyAttribute(lambda o: {"type": "widget", "widget": o.widget})


class FeedbackFactory(DjangoModelFactory):
    class Meta:
        model = models.Feedback

    item = factory.SubFactory(AssistantMessageFactory)
    user_id = factory.SelfAttribute("item.user_id")
    kind = models.Feedback.Kind.POSITIVE


class AttachmentFactory(DjangoModelFactory):
    class Meta:
        model = models.Attachment

    attachment_id = factory.Sequence(lambda n: f"atc_test{n:06d}")
    user_id = "alice"
    thread_id = ""
    name = factory.Sequence(lambda n: f"notes-{n}.txt")
    mime_type = "text/plain"
    type = "file"  # or "image" (then `data` gets a preview_url)
    data = factory.LazyAttribute(
        lambda o: _ATTACHMENT.validate_python(
            {
                "type": o.type,
                "id": o.attachment_id,
                "name": o.name,
                "mime_type": o.mime_type,
                "thread_id": o.thread_id or None,
                **({"preview_url": f"https://example.com/{o.attachment_id}"} if o.type == "image" else {}),
            }
        ).model_dump(mode="json")
    )


def _list_price(o) -> Decimal | None:
    """gpt-4.1-mini's list price (USD per million: 0.4 input, 0.1 cached, 1.6 output); none offline."""
    if o.offline:
        return None
    micro = (o.input_tokens - o.cached_tokens) * 0.4 + o.cached_tokens * 0.1 + o.output_tokens * 1.6
    return (Decimal(str(micro)) / 1_000_000).quantize(Decimal("0.000001"))


class ReplyFactory(DjangoModelFactory):
    """A reply's usage record; `cost` follows the tokens at a list price (None offline) unless given."""

    class Meta:
        model = models.Reply

    thread = factory.SubFactory(ThreadFactory)
    user_id = factory.SelfAttribute("thread.user_id")
    item_id = factory.Sequence(lambda n: f"msg_test{n:06d}")
    request_type = "threads.add_user_message"
    model = "gpt-4.1-mini"
    offline = False
    input_tokens = 1200
    cached_tokens = 0
    output_tokens = 300
    requests = 1
    tool_calls = 0
    first_token_ms = 450
    total_ms = 2400
    outcome = models.Reply.Outcome.DONE
    error_code = ""
    cost = factory.LazyAttribute(_list_price)
    started_at = factory.Sequence(_minute)
