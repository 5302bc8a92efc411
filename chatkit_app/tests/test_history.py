"""What the agent reads of a thread: follow-ups, retries, the user's locale, and how each kind of item becomes input."""

from __future__ import annotations

from datetime import datetime

import pytest
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ClientToolCallItem,
    CustomTask,
    HiddenContextItem,
    UserMessageItem,
    UserMessageTextContent,
    WidgetItem,
    Workflow,
    WorkflowItem,
)
from chatkit.widgets import Card, Text

from agents_app.conversation import read_conversation
from chatkit_app import models
from chatkit_app.history import MAX_CLIENT_OUTPUT_CHARS, MerakItemConverter

from .conftest import proxy_headers, user_input

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2027, 3, 1, 12, 0)


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
    assert [kind for _, kind in rows] == ["user_message", "workflow", "widget", "assistant_message"]
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
        id="msg_u", thread_id="thr", created_at=NOW, content=[UserMessageTextContent(text=text)],
        attachments=[], inference_options={},
    )


async def test_cards_become_what_the_assistant_showed_and_workflows_are_left_out():
    items = [
        _user("3 days in Lisbon"),
        WorkflowItem(
            id="wf", thread_id="thr", created_at=NOW,
            workflow=Workflow(type="custom", tasks=[CustomTask(title="Found Lisbon", status_indicator="complete")]),
        ),
        WidgetItem(
            id="w1", thread_id="thr", created_at=NOW, widget=Card(children=[Text(value="Day 1")]),
            copy_text="Day 1: arrival",
        ),
        WidgetItem(id="w2", thread_id="thr", created_at=NOW, widget=Card(children=[Text(value="Day 9")])),
        AssistantMessageItem(
            id="msg_a", thread_id="thr", created_at=NOW, content=[AssistantMessageContent(text="Plan")]
        ),
    ]

    model_input = await MerakItemConverter().to_agent_input(items)

    assert [item["role"] for item in model_input] == ["user", "assistant", "assistant", "assistant"]
    assert model_input[1]["content"][0]["text"] == "[Shown to the user as a card]\nDay 1: arrival"
    assert model_input[2]["content"][0]["text"] == "[Shown to the user as a card]\nDay 9"
    # For the offline planner the user said one thing; the rest is the assistant's side.
    assert read_conversation(model_input).user_turns == [["3 days in Lisbon"]]


async def test_hidden_context_is_read_as_the_users_request():
    note = HiddenContextItem(id="h", thread_id="thr", created_at=NOW, content="New plan: 4 days in Lisbon.")

    model_input = await MerakItemConverter().to_agent_input([_user("3 days in Lisbon"), note])

    assert model_input[-1]["role"] == "user" and "<HiddenContext>\nNew plan: 4 days in Lisbon.\n</HiddenContext>" in (
        model_input[-1]["content"][0]["text"]
    )


async def test_client_tool_calls_pair_call_and_output_and_unknown_ones_are_left_out():
    def call(name, output, status="completed"):
        return ClientToolCallItem(
            id=f"tc_{name}", thread_id="thr", created_at=NOW, status=status, call_id=f"call_{name}",
            name=name, arguments={"city": "Lisbon"}, output=output,
        )

    converter = MerakItemConverter()
    known = await converter.to_agent_input([call("open_map", {"opened": True})])
    unknown = await converter.to_agent_input([call("save_trip", {"saved": True})])
    pending = await converter.to_agent_input([call("open_map", None, status="pending")])
    huge = await converter.to_agent_input([call("open_map", {"junk": "x" * 10 * MAX_CLIENT_OUTPUT_CHARS})])

    assert [item["type"] for item in known] == ["function_call", "function_call_output"]
    assert known[0]["call_id"] == known[1]["call_id"] == "call_open_map" and known[1]["output"] == '{"opened": true}'
    assert unknown == [] and pending == []
    assert len(huge[1]["output"]) < 2 * MAX_CLIENT_OUTPUT_CHARS
