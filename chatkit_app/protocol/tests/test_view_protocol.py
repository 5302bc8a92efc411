"""Every ChatKit request type through the real `/chatkit` view, on the offline planner."""

from __future__ import annotations

from datetime import datetime

import pytest
from chatkit.types import ClientToolCallItem

from chatkit_app import models
from chatkit_app.identity.auth import RequestContext
from chatkit_app.store import DjangoStore
from chatkit_app.testing.protocol import user_input

pytestmark = pytest.mark.django_db(transaction=True)


async def test_threads_create_streams_the_planners_reply_and_stores_it(create_thread, chatkit):
    thread_id, reply = await create_thread("3 days in Lisbon from 2027-03-12")

    assert reply.headers["Content-Type"] == "text/event-stream"
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.headers["X-Accel-Buffering"] == "no"
    types = [event["type"] for event in reply.events]
    assert types[0] == "thread.created"
    assert "stream_options" in types
    deltas = [
        e
        for e in reply.of_type("thread.item.updated")
        if e["update"]["type"] == "assistant_message.content_part.text_delta"
    ]
    assert len(deltas) > 10, "the reply streams in many small deltas"
    text = reply.assistant_text
    assert "Lisbon" in text and "offline" in text.lower()

    stored = await chatkit({"type": "threads.get_by_id", "params": {"thread_id": thread_id}})
    assert stored.status == 200
    kinds = [item["type"] for item in stored.json["items"]["data"]]
    assert kinds[0] == "user_message" and "assistant_message" in kinds


async def test_add_user_message_sees_the_earlier_conversation(create_thread, chatkit):
    thread_id, _ = await create_thread("3 days in Lisbon from 2027-03-12")

    reply = await chatkit(
        {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": user_input("make it 5 days")}}
    )

    assert reply.status == 200
    user_items = [e["item"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == "user_message"]
    assert user_items[0]["content"][0]["text"] == "make it 5 days"
    # The destination came from the first message: the follow-up saw the history.
    assert "Lisbon" in reply.assistant_text
    count = await models.Item.objects.filter(thread_id=thread_id, type="user_message").acount()
    assert count == 2


async def test_threads_list_pages_newest_first(create_thread, chatkit):
    ids = [(await create_thread(f"a weekend in {city}"))[0] for city in ("Paris", "Rome", "Vienna")]

    first = await chatkit({"type": "threads.list", "params": {"limit": 2}})
    assert [t["id"] for t in first.json["data"]] == [ids[2], ids[1]]
    assert first.json["has_more"] is True
    second = await chatkit({"type": "threads.list", "params": {"limit": 2, "after": first.json["after"]}})
    assert [t["id"] for t in second.json["data"]] == [ids[0]]
    assert second.json["has_more"] is False


async def test_items_list_pages_and_hides_hidden_context(create_thread, chatkit):
    thread_id, _ = await create_thread()
    page = await chatkit({"type": "items.list", "params": {"thread_id": thread_id, "limit": 1, "order": "asc"}})

    assert page.status == 200
    assert [item["type"] for item in page.json["data"]] == ["user_message"]
    assert page.json["has_more"] is True
    rest = await chatkit(
        {
            "type": "items.list",
            "params": {"thread_id": thread_id, "limit": 50, "order": "asc", "after": page.json["after"]},
        }
    )
    assert "assistant_message" in [item["type"] for item in rest.json["data"]]
    assert rest.json["has_more"] is False


async def test_threads_update_renames_the_thread(create_thread, chatkit):
    thread_id, _ = await create_thread()

    reply = await chatkit({"type": "threads.update", "params": {"thread_id": thread_id, "title": "Lisbon in spring"}})

    assert reply.status == 200 and reply.json["title"] == "Lisbon in spring"
    assert (await models.Thread.objects.aget(thread_id=thread_id)).title == "Lisbon in spring"


async def test_threads_delete_removes_the_thread_and_its_items(create_thread, chatkit):
    thread_id, _ = await create_thread()

    reply = await chatkit({"type": "threads.delete", "params": {"thread_id": thread_id}})

    assert reply.status == 200 and reply.json == {}
    assert not await models.Thread.objects.filter(thread_id=thread_id).aexists()
    assert not await models.Item.objects.filter(thread_id=thread_id).aexists()


async def test_feedback_is_stored_against_the_items(create_thread, chatkit):
    thread_id, reply = await create_thread()
    item_id = next(
        e["item"]["id"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == "assistant_message"
    )

    answer = await chatkit(
        {"type": "items.feedback", "params": {"thread_id": thread_id, "item_ids": [item_id], "kind": "positive"}}
    )

    assert answer.status == 200
    feedback = await models.Feedback.objects.select_related("item").aget()
    assert (feedback.kind, feedback.item.item_id, feedback.user_id) == ("positive", item_id, "alice")


async def test_retry_after_item_replaces_the_answer(create_thread, chatkit):
    thread_id, reply = await create_thread()
    user_item = next(e["item"]["id"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == "user_message")
    first_answer = next(
        e["item"]["id"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == "assistant_message"
    )

    retry = await chatkit(
        {"type": "threads.retry_after_item", "params": {"thread_id": thread_id, "item_id": user_item}}
    )

    assert retry.status == 200
    assert "Lisbon" in retry.assistant_text
    item_ids = [i async for i in models.Item.objects.filter(thread_id=thread_id).values_list("item_id", flat=True)]
    assert first_answer not in item_ids and user_item in item_ids


async def test_client_tool_output_resumes_the_run(create_thread, chatkit):
    thread_id, _ = await create_thread()
    store, alice = DjangoStore(), RequestContext(user_id="alice")
    thread = await store.load_thread(thread_id, alice)
    call = ClientToolCallItem(
        id=store.generate_item_id("tool_call", thread, alice),
        thread_id=thread_id,
        created_at=datetime.now(),
        status="pending",
        call_id="call_1",
        name="open_map",
        arguments={"place": "Lisbon"},
    )
    await store.add_thread_item(thread_id, call, alice)

    reply = await chatkit(
        {"type": "threads.add_client_tool_output", "params": {"thread_id": thread_id, "result": {"opened": True}}}
    )

    assert reply.status == 200
    saved = await store.load_item(thread_id, call.id, alice)
    assert saved.status == "completed" and saved.output == {"opened": True}
    assert reply.of_type("stream_options")


async def test_client_tool_output_without_a_pending_call_is_rejected(create_thread, chatkit):
    thread_id, _ = await create_thread()
    before = await models.Item.objects.filter(thread_id=thread_id).acount()

    reply = await chatkit({"type": "threads.add_client_tool_output", "params": {"thread_id": thread_id, "result": {}}})

    assert reply.status == 400 and reply.json["error"]["code"] == "invalid_request"
    assert await models.Item.objects.filter(thread_id=thread_id).acount() == before


async def test_unknown_custom_action_streams_an_error_event(create_thread, chatkit):
    thread_id, _ = await create_thread()

    reply = await chatkit(
        {
            "type": "threads.custom_action",
            "params": {"thread_id": thread_id, "item_id": None, "action": {"type": "nope", "payload": {}}},
        }
    )

    assert reply.status == 200
    errors = reply.of_type("error")
    assert errors and "nope" in errors[0]["message"]


async def test_unknown_sync_action_is_a_400(create_thread, chatkit):
    thread_id, _ = await create_thread()

    reply = await chatkit(
        {
            "type": "threads.sync_custom_action",
            "params": {"thread_id": thread_id, "item_id": None, "action": {"type": "nope", "payload": {}}},
        }
    )

    assert reply.status == 400 and reply.json["error"]["code"] == "unknown_action"


async def test_transcription_is_reported_as_not_supported(chatkit):
    reply = await chatkit({"type": "input.transcribe", "params": {"audio_base64": "AAAA", "mime_type": "audio/webm"}})

    assert reply.status == 501 and reply.json["error"]["code"] == "not_supported"
    assert reply.json["error"]["message"] == "Dictation is not available on this server: it has no transcription model."
