"""What the agent reads of a thread: follow-ups, retries, the user's locale, and how each kind of item becomes input.

The input must pass both of the Agents SDK's OpenAI models: the Responses API takes Responses
input items as they are; the Chat Completions model converts them with the SDK's `Converter`.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from agents.models.chatcmpl_converter import Converter
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ClientToolCallItem,
    CustomTask,
    EndOfTurnItem,
    FileAttachment,
    GeneratedImage,
    GeneratedImageItem,
    HiddenContextItem,
    ImageAttachment,
    SDKHiddenContextItem,
    TaskItem,
    ThreadItem,
    UserMessageItem,
    UserMessageTagContent,
    UserMessageTextContent,
    WidgetItem,
    Workflow,
    WorkflowItem,
)
from chatkit.widgets import DynamicWidgetRoot
from openai.types.responses import ResponseInputParam
from pydantic import TypeAdapter

from agents_app.offline.conversation import read_conversation
from chatkit_app import models
from chatkit_app.attachments.files import storage_path
from chatkit_app.protocol.history import MAX_CLIENT_OUTPUT_CHARS, MerakItemConverter
from chatkit_app.protocol.responder import get_responder
from chatkit_app.testing.files import pdf
from chatkit_app.testing.protocol import proxy_headers, user_input

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2027, 3, 1, 12, 0)


def card(text: str) -> DynamicWidgetRoot:
    """A card with one line of text, as a widget template builds it."""
    return DynamicWidgetRoot.model_validate({"type": "Card", "children": [{"type": "Text", "value": text}]})


def done_ids(reply, item_type: str) -> list[str]:
    return [e["item"]["id"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == item_type]


async def test_follow_ups_build_on_the_whole_conversation(create_thread, chatkit):
    thread_id, _ = await create_thread("4 days in Lisbon from 12 March")

    async def say(text):
        return await chatkit(
            {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": user_input(text)}}
        )

    await say("make it cheaper")
    reply = await say("add a day")

    # City and dates from the first message, the budget from the second, one more day from the third.
    heading = "**5 days in Lisbon, Portugal (budget trip): Friday 12 March to Tuesday, 16 March 2027**"
    assert heading in reply.assistant_text


async def test_a_reply_reads_its_thread_once_and_a_new_thread_not_at_all(create_thread, chatkit, queries):
    def item_reads(captured) -> int:
        return sum(q["sql"].startswith("SELECT") and '"chatkit_app_item"' in q["sql"] for q in captured)

    async with queries() as creating:
        thread_id, _ = await create_thread("3 days in Lisbon from 2027-03-12")
    async with queries() as following_up:
        params = {"thread_id": thread_id, "input": user_input("make it cheaper")}
        follow_up = await chatkit({"type": "threads.add_user_message", "params": params})

    assert item_reads(creating) == 0, "a new thread's history is the message in hand"
    assert item_reads(following_up) == 1
    assert "budget trip" in follow_up.assistant_text


async def test_retry_regenerates_the_card_and_the_reply(create_thread, chatkit):
    thread_id, first = await create_thread("3 days in Lisbon from 2027-03-12")
    user_item = done_ids(first, "user_message")[0]

    params = {"thread_id": thread_id, "item_id": user_item}
    retry = await chatkit({"type": "threads.retry_after_item", "params": params})

    assert retry.status == 200
    assert "**3 days in Lisbon, Portugal" in retry.assistant_text
    assert done_ids(retry, "widget") and done_ids(retry, "workflow")
    stored = models.Item.objects.filter(thread_id=thread_id).order_by("seq").values_list("item_id", "type")
    rows = [row async for row in stored]
    assert [kind for _, kind in rows] == ["user_message", "workflow", "widget", "workflow", "assistant_message"]
    old = set(done_ids(first, "widget") + done_ids(first, "assistant_message") + done_ids(first, "workflow"))
    assert old.isdisjoint(item_id for item_id, _ in rows)
    assert not retry.of_type("thread.updated")  # the title came with the first answer


async def test_the_accept_language_locale_shapes_dates_times_and_numbers(chatkit):
    body = {"type": "threads.create", "params": {"input": user_input("3 days in Lisbon from 2027-03-12")}}

    american = await chatkit(body, headers={**proxy_headers("alice"), "Accept-Language": "en-US,en;q=0.8"})
    german = await chatkit(body, headers={**proxy_headers("alice"), "Accept-Language": "de-DE"})

    assert "**Day 1 — Friday, March 12:**" in american.assistant_text
    assert "PM sunset" in american.assistant_text
    assert "**Day 1 — Friday, 12 March:**" in german.assistant_text
    assert "population 517.802" in german.assistant_text
    assert german.assistant_text.startswith("(Offline planner")  # in English all the same
    card = next(e["item"] for e in american.of_type("thread.item.done") if e["item"]["type"] == "widget")
    assert "Fri, Mar 12 – Sun, Mar 14 2027" in card["copy_text"]


# --- how items become model input (no HTTP) ------------------------------------------------


def _user(text: str) -> UserMessageItem:
    return UserMessageItem(
        id="msg_u",
        thread_id="thr",
        created_at=NOW,
        content=[UserMessageTextContent(text=text)],
        attachments=[],
        inference_options={},
    )


async def test_cards_become_what_the_assistant_showed_and_workflows_are_left_out():
    items = [
        _user("3 days in Lisbon"),
        WorkflowItem(
            id="wf",
            thread_id="thr",
            created_at=NOW,
            workflow=Workflow(type="custom", tasks=[CustomTask(title="Found Lisbon", status_indicator="complete")]),
        ),
        WidgetItem(
            id="w1",
            thread_id="thr",
            created_at=NOW,
            widget=card("Day 1"),
            copy_text="Day 1: arrival",
        ),
        WidgetItem(id="w2", thread_id="thr", created_at=NOW, widget=card("Day 9")),
        AssistantMessageItem(
            id="msg_a", thread_id="thr", created_at=NOW, content=[AssistantMessageContent(text="Plan")]
        ),
    ]

    model_input = await MerakItemConverter(get_responder()).to_agent_input(items)
    # The Chat Completions model's messages: "Unknown content" while assistant text was `output_text` parts.
    messages = Converter.items_to_messages(model_input)

    assert messages[1:] == [
        {"role": "assistant", "content": "[Shown to the user as a card]\nDay 1: arrival"},
        {"role": "assistant", "content": "[Shown to the user as a card]\nDay 9"},
        {"role": "assistant", "content": "Plan"},
    ]
    assert model_input[3] == {"type": "message", "role": "assistant", "content": "Plan"}  # valid Responses input too
    # For the offline planner the user said one thing; the rest is the assistant's side.
    assert read_conversation(model_input).user_turns == [["3 days in Lisbon"]]


async def test_hidden_context_is_read_as_the_users_request():
    note = HiddenContextItem(id="h", thread_id="thr", created_at=NOW, content="New plan: 4 days in Lisbon.")

    model_input = await MerakItemConverter(get_responder()).to_agent_input([_user("3 days in Lisbon"), note])

    assert (
        model_input[-1]["role"] == "user"
        and "<HiddenContext>\nNew plan: 4 days in Lisbon.\n</HiddenContext>" in (model_input[-1]["content"][0]["text"])
    )


async def test_client_tool_calls_pair_call_and_output_and_unknown_ones_are_left_out():
    def call(name, output, status="completed"):
        return ClientToolCallItem(
            id=f"tc_{name}",
            thread_id="thr",
            created_at=NOW,
            status=status,
            call_id=f"call_{name}",
            name=name,
            arguments={"city": "Lisbon"},
            output=output,
        )

    converter = MerakItemConverter(get_responder())
    known = await converter.to_agent_input([call("open_map", {"opened": True})])
    unknown = await converter.to_agent_input([call("save_trip", {"saved": True})])
    pending = await converter.to_agent_input([call("open_map", None, status="pending")])
    huge = await converter.to_agent_input([call("open_map", {"junk": "x" * 10 * MAX_CLIENT_OUTPUT_CHARS})])

    assert [item["type"] for item in known] == ["function_call", "function_call_output"]
    assert known[0]["call_id"] == known[1]["call_id"] == "call_open_map" and known[1]["output"] == '{"opened": true}'
    assert unknown == [] and pending == []
    assert len(huge[1]["output"]) < 2 * MAX_CLIENT_OUTPUT_CHARS


# --- every kind of item, through both OpenAI APIs ------------------------------------------

RESPONSES_INPUT = TypeAdapter(ResponseInputParam)


@pytest.fixture
def every_kind_of_item(media_in_tmp) -> list[ThreadItem]:
    """A thread holding each kind of item ChatKit stores, with a text file, a PDF and an image attached."""
    files = {
        "atc_txt": b"Hotel Avenida, Lisbon",
        "atc_pdf": pdf("Hotel in Porto"),
        "atc_png": b"\x89PNG\r\n\x1a\n" + bytes(16),
    }
    for attachment_id, data in files.items():
        (media_in_tmp / storage_path(attachment_id)).parent.mkdir(exist_ok=True)
        (media_in_tmp / storage_path(attachment_id)).write_bytes(data)
    asking = UserMessageItem(
        id="msg_u1", thread_id="thr", created_at=NOW,
        content=[
            UserMessageTextContent(text="Plan around "),
            UserMessageTagContent(id="t", text="Lisbon", data={"cc": "PT"}),
        ],
        attachments=[
            FileAttachment(id="atc_txt", name="booking.txt", mime_type="text/plain"),
            FileAttachment(id="atc_pdf", name="booking.pdf", mime_type="application/pdf"),
            ImageAttachment(id="atc_png", name="map.png", mime_type="image/png", preview_url="http://x/p"),
        ],
        inference_options={},
    )  # fmt: skip
    return [
        asking,
        WorkflowItem(
            id="wf", thread_id="thr", created_at=NOW,
            workflow=Workflow(type="custom", tasks=[CustomTask(title="Found Lisbon", status_indicator="complete")]),
        ),
        WidgetItem(
            id="w1", thread_id="thr", created_at=NOW, widget=card("Day 1"), copy_text="Day 1",
        ),
        AssistantMessageItem(
            id="msg_a1", thread_id="thr", created_at=NOW,
            content=[AssistantMessageContent(text="Day 1: Alfama."), AssistantMessageContent(text="Day 2: Belém.")],
        ),
        EndOfTurnItem(id="eot", thread_id="thr", created_at=NOW),
        SDKHiddenContextItem(id="sdk", thread_id="thr", created_at=NOW, content="The user cancelled the stream."),
        HiddenContextItem(id="h1", thread_id="thr", created_at=NOW, content="The user pressed “Add a day”."),
        HiddenContextItem(id="h2", thread_id="thr", created_at=NOW, content={"pressed": "cheaper"}),
        TaskItem(id="task", thread_id="thr", created_at=NOW, task=CustomTask(title="Checked holidays")),
        _user("show it on a map"),
        ClientToolCallItem(
            id="tc", thread_id="thr", created_at=NOW, status="completed", call_id="call_1", name="open_map",
            arguments={"city": "Lisbon"}, output={"opened": True},
        ),
        AssistantMessageItem(
            id="msg_a2", thread_id="thr", created_at=NOW, content=[AssistantMessageContent(text="Open.")],
        ),
        GeneratedImageItem(id="img", thread_id="thr", created_at=NOW, image=GeneratedImage(id="g", url="http://x/g.png")),
        ClientToolCallItem(
            id="tc2", thread_id="thr", created_at=NOW, status="pending", call_id="call_2", name="open_map",
            arguments={},
        ),
        UserMessageItem(
            id="msg_u3", thread_id="thr", created_at=NOW, content=[UserMessageTextContent(text="cheaper, please")],
            attachments=[], quoted_text="Day 2: Belém.", inference_options={},
        ),
    ]  # fmt: skip


@pytest.mark.parametrize("sees_images", [False, True], ids=["image-as-a-note", "image-as-the-image"])
async def test_every_kind_of_item_is_input_both_openai_apis_accept(every_kind_of_item, settings, sees_images):
    if sees_images:
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", ""

    model_input = await MerakItemConverter(get_responder()).to_agent_input(every_kind_of_item)

    RESPONSES_INPUT.validate_python(model_input)  # the Responses API's input types
    messages = Converter.items_to_messages(model_input)  # raised "Unknown content" for assistant text
    roles = [message["role"] for message in messages]
    assert roles == ["user", "user", "assistant", "assistant", "user", "user", "user", "user", "user",
                     "assistant", "tool", "assistant", "user", "user", "user"]  # fmt: skip
    assert messages[3] == {"role": "assistant", "content": "Day 1: Alfama.\nDay 2: Belém."}
    assert messages[9]["tool_calls"][0]["function"] == {"name": "open_map", "arguments": '{"city": "Lisbon"}'}
    assert messages[10] == {"role": "tool", "tool_call_id": "call_1", "content": '{"opened": true}'}
    first = [part.get("text") or part["type"] for part in messages[0]["content"]]
    assert first[0] == "Plan around @Lisbon" and "Hotel Avenida, Lisbon" in first[1] and "Hotel in Porto" in first[2]
    assert first[3] == ("image_url" if sees_images else "[The user attached a file: map.png (image/png)]")
    assert '@Lisbon: {"cc": "PT"}' in messages[1]["content"][1]["text"]
    assert '{"pressed": "cheaper"}' in messages[6]["content"][0]["text"]
    assert "The user is referring to this in particular: \nDay 2: Belém." in messages[-1]["content"][0]["text"]


def _as_sdk_base_shaped(model_input: list) -> list:
    """The same input with assistant text as the SDK's base converter sends it: `output_text` parts."""
    return [
        {**item, "content": [{"type": "output_text", "text": item["content"], "annotations": []}]}
        if item.get("role") == "assistant" and isinstance(item.get("content"), str)
        else item
        for item in model_input
    ]


async def test_the_offline_planner_reads_every_kind_of_item_as_before(every_kind_of_item):
    model_input = await MerakItemConverter(get_responder()).to_agent_input(every_kind_of_item)

    conversation = read_conversation(model_input)

    assert conversation == read_conversation(_as_sdk_base_shaped(model_input))
    # Runs of user-side messages are one turn each; what the assistant said or showed divides them.
    first, second, third = conversation.user_turns
    assert first[0] == "Plan around @Lisbon" and "Hotel Avenida, Lisbon" in first[1] and "Hotel in Porto" in first[2]
    assert "The user pressed “Add a day”." in second[1] and second[-1] == "show it on a map"
    assert third[1:] == ["cheaper, please", "The user is referring to this in particular: \nDay 2: Belém."]
