"""The `open_map` client tool through the real `/chatkit` view: the run stops for the browser, its answer resumes it."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from chatkit.types import ClientToolCallItem

from chatkit_app import models
from chatkit_app.identity.auth import RequestContext
from chatkit_app.store import DjangoStore
from chatkit_app.testing.protocol import user_input

pytestmark = pytest.mark.django_db(transaction=True)


async def ask_for_a_map(create_thread, chatkit) -> tuple[str, object]:
    thread_id, _ = await create_thread("3 days in Lisbon from 2027-03-12")
    params = {"thread_id": thread_id, "input": user_input("show it on a map")}
    reply = await chatkit({"type": "threads.add_user_message", "params": params})
    assert reply.status == 200
    return thread_id, reply


def answer(thread_id: str, result) -> dict:
    return {"type": "threads.add_client_tool_output", "params": {"thread_id": thread_id, "result": result}}


async def test_asking_for_a_map_ends_the_stream_with_a_pending_client_tool_call(create_thread, chatkit):
    thread_id, reply = await ask_for_a_map(create_thread, chatkit)

    types = [e["type"] for e in reply.events]
    assert types[-2:] == ["progress_update", "thread.item.done"]
    assert reply.events[-2]["text"] == "Opening Lisbon, Portugal on a map…"
    call = reply.events[-1]["item"]
    assert call["type"] == "client_tool_call" and call["status"] == "pending" and call["name"] == "open_map"
    assert call["arguments"]["place"] == "Lisbon, Portugal"
    assert call["arguments"]["url"].startswith("https://www.openstreetmap.org/?mlat=38.7")
    assert not reply.of_type("thread.item.added")  # no reply text until the browser answers
    newest = await models.Item.objects.filter(thread_id=thread_id).order_by("-seq").afirst()
    assert (newest.type, newest.data["status"]) == ("client_tool_call", "pending")


async def test_the_browsers_answer_completes_the_call_and_the_agent_replies(create_thread, chatkit):
    thread_id, asked = await ask_for_a_map(create_thread, chatkit)
    call_id = asked.events[-1]["item"]["id"]

    reply = await chatkit(answer(thread_id, {"opened": True}))

    assert reply.status == 200
    assert [e["type"] for e in reply.events][0] == "stream_options"
    assert "I've opened Lisbon, Portugal on a map in your browser." in reply.assistant_text
    stored = await models.Item.objects.aget(item_id=call_id)
    assert stored.data["status"] == "completed" and stored.data["output"] == {"opened": True}
    # The conversation goes on from there: the call is now history the agent reads.
    follow_up = await chatkit(
        {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": user_input("add a day")}}
    )
    assert "**4 days in Lisbon, Portugal" in follow_up.assistant_text


async def test_a_browser_that_could_not_open_the_map_gets_the_link(create_thread, chatkit):
    thread_id, _ = await ask_for_a_map(create_thread, chatkit)

    reply = await chatkit(answer(thread_id, {"error": "popup_blocked", "message": "pop-ups are blocked"}))

    text = reply.assistant_text
    assert "Your browser couldn't open the map of Lisbon, Portugal (pop-ups are blocked)." in text


async def test_an_answer_for_an_unknown_client_tool_is_logged_not_fatal(create_thread, chatkit, caplog):
    thread_id, _ = await create_thread("3 days in Lisbon from 2027-03-12")
    store, alice = DjangoStore(), RequestContext(user_id="alice")
    thread = await store.load_thread(thread_id, alice)
    await store.add_thread_item(
        thread_id,
        ClientToolCallItem(
            id=store.generate_item_id("tool_call", thread, alice),
            thread_id=thread_id,
            created_at=datetime.now(),
            call_id="call_1",
            name="save_trip",
            arguments={},
        ),
        alice,
    )

    with caplog.at_level(logging.WARNING, logger="chatkit_app.protocol.server"):
        reply = await chatkit(answer(thread_id, {"saved": True}))

    assert reply.status == 200 and not reply.of_type("error")
    assert reply.assistant_text  # the agent still answers
    assert "unknown client tool 'save_trip'" in caplog.text
