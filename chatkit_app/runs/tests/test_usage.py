"""Every reply leaves one `Reply` row: its model, what the model reported it used, its timings and how it ended,
whichever request started it and however it ended. (The OpenAI-compatible wire's own counts are checked in
agents_app/tests/chatkit/test_openai_compatible_servers.py.)"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from agents_app.offline import MODEL_NAME
from chatkit_app import models
from chatkit_app.runs.usage import cost
from chatkit_app.testing.protocol import proxy_headers, unlocked, user_input, wait_for

from .test_runs import ask, follow_up, leave_after, running

pytestmark = pytest.mark.django_db(transaction=True)


def replies(thread_id: str) -> list[models.Reply]:
    return unlocked(lambda: list(models.Reply.objects.filter(thread_id=thread_id).order_by("started_at", "id")))


def reply_item(reply) -> str:
    """The item a reply ended with: its message, or the call the browser is to answer."""
    said = ("assistant_message", "client_tool_call")
    return [e["item"]["id"] for e in reply.of_type("thread.item.done") if e["item"]["type"] in said][-1]


async def test_every_request_that_replies_records_one_reply(create_thread, chatkit):
    thread_id, created = await create_thread("3 days in Lisbon from 2027-03-12")

    async def send(request_type: str, **params):
        reply = await chatkit({"type": request_type, "params": {"thread_id": thread_id, **params}})
        assert reply.status == 200 and not reply.of_type("error"), reply.body
        return reply

    card = next(e["item"] for e in created.of_type("thread.item.done") if e["item"]["type"] == "widget")
    action = card["widget"]["children"][-1]["children"][0]["onClickAction"]
    pressed = await send("threads.custom_action", item_id=card["id"], action=action)
    asked_for_map = await send("threads.add_user_message", input=user_input("show it on a map"))
    answered = await send("threads.add_client_tool_output", result={"opened": True})
    message = [e["item"]["id"] for e in created.of_type("thread.item.done") if e["item"]["type"] == "user_message"]
    retried = await send("threads.retry_after_item", item_id=message[0])

    rows = await _replies(thread_id)
    assert [row.request_type for row in rows] == [
        "threads.create",
        "threads.custom_action",
        "threads.add_user_message",
        "threads.add_client_tool_output",
        "threads.retry_after_item",
    ]
    assert [row.item_id for row in rows] == [
        reply_item(reply) for reply in (created, pressed, asked_for_map, answered, retried)
    ]
    assert {(row.model, row.offline, row.outcome, row.error_code, row.user_id) for row in rows} == {
        (MODEL_NAME, True, "done", "", "alice")
    }
    # Time to the first word of text; the map request is answered by the browser's call alone, no text.
    assert [row.first_token_ms is None for row in rows] == [False, False, True, False, False]
    assert all(row.total_ms >= (row.first_token_ms or 0) for row in rows)
    assert all(row.cost is None for row in rows), "the offline planner has no price, so no cost"
    # A plan: four fact tools and show_itinerary, then the text (3 requests); the map: the browser's call alone.
    assert [(row.requests, row.tool_calls) for row in rows] == [(3, 5), (3, 5), (1, 1), (1, 0), (3, 5)]
    # The offline planner counts words as its tokens: the confirmation after the map is one request, its words
    # and those of the thought before them (counted in the output, as a reasoning model's are).
    thoughts = [e["item"]["workflow"]["tasks"] for e in answered.of_type("thread.item.done") if "workflow" in e["item"]]
    thought_words = sum(len(task["content"].split()) for tasks in thoughts for task in tasks)
    assert thought_words > 0
    assert rows[3].output_tokens == len(answered.assistant_text.split()) + thought_words
    assert all(row.input_tokens > row.output_tokens > 0 and row.cached_tokens == 0 for row in rows)


async def test_a_request_refused_or_streaming_nothing_records_no_reply(create_thread, chatkit):
    thread_id, _ = await create_thread()
    await chatkit({"type": "threads.add_user_message", "params": {"thread_id": "thr_nowhere", "input": user_input()}})
    bad_action = {"type": "nope", "payload": {}}
    await chatkit({"type": "threads.custom_action", "params": {"thread_id": thread_id, "action": bad_action}})
    await chatkit({"type": "threads.get_by_id", "params": {"thread_id": thread_id}})

    rows = await _replies(thread_id)
    assert [row.request_type for row in rows] == ["threads.create", "threads.custom_action"]
    assert rows[1].outcome == "failed" and rows[1].error_code and rows[1].requests == 0
    assert await models.Reply.objects.acount() == 2


def test_a_reply_keeps_running_and_is_recorded_whole_after_its_client_leaves(asgi_server, words_model):
    thread_id = leave_after(asgi_server, ask("say 60 words"), words_seen=3)
    wait_for(lambda: not running(thread_id) and replies(thread_id), timeout=30)

    (row,) = replies(thread_id)
    assert (row.outcome, row.requests) == ("done", 1)
    assert row.output_tokens == 60


def test_a_stopped_reply_is_recorded_as_stopped_with_what_was_reported(asgi_server, words_model):
    thread_id = leave_after(asgi_server, ask("say 1000 words"), words_seen=3)
    stop = httpx.post(f"{asgi_server}/chatkit/runs/{thread_id}/cancel", headers=proxy_headers())
    assert stop.json()["cancelled"] is True

    (row,) = replies(thread_id)
    assert row.outcome == "stopped" and row.first_token_ms is not None
    stored = models.Item.objects.get(thread_id=thread_id, type="assistant_message")
    assert row.item_id == stored.item_id
    # The model reports usage as its response completes; a stopped one never did, and nothing is guessed.
    assert (row.requests, row.output_tokens) == (0, 0)


def test_a_reply_past_its_longest_run_is_recorded_as_expired(asgi_server, words_model, settings):
    settings.MERAK_RUN_MAX_SECONDS = 0.6
    thread_id = leave_after(asgi_server, ask("say 1000 words"), words_seen=3)
    wait_for(lambda: not running(thread_id) and replies(thread_id), timeout=5)

    assert replies(thread_id)[0].outcome == "expired"


def test_a_reply_whose_thread_was_deleted_as_it_ran_leaves_nothing_behind(asgi_server, words_model):
    thread_id = leave_after(asgi_server, ask("say 30 words"), words_seen=3)
    delete = {"type": "threads.delete", "params": {"thread_id": thread_id}}
    assert httpx.post(f"{asgi_server}/chatkit", json=delete, headers=proxy_headers()).status_code == 200
    wait_for(lambda: not running(thread_id), timeout=30)

    assert not unlocked(models.Reply.objects.exists)
    follow = httpx.post(f"{asgi_server}/chatkit", json=follow_up(thread_id, "hi"), headers=proxy_headers())
    assert follow.status_code == 404


def test_cost_is_the_models_price_per_million_tokens_and_none_without_a_price(settings):
    settings.MERAK_MODEL_PRICES = {"m": {"input": 2, "cached": 0.5, "output": 8}, "n": {"input": 1, "output": 1}}

    assert cost("m", 1_000_000, 200_000, 500_000) == Decimal("5.700000")  # 0.8 * 2 + 0.2 * 0.5 + 0.5 * 8
    assert cost("n", 1_000, 1_000, 0) == Decimal("0.001000"), "cached input at the input price when none is set"
    assert cost("unpriced", 1_000_000, 0, 1_000_000) is None


async def test_a_user_sees_their_threads_usage_and_no_one_elses(create_thread, chatkit, async_client, settings):
    settings.MERAK_MODEL_PRICES = {MODEL_NAME: {"input": 1, "output": 2}}
    thread_id, _ = await create_thread()
    await chatkit(follow_up(thread_id, "make it cheaper"))
    rows = await _replies(thread_id)

    own = await async_client.get(f"/chatkit/runs/{thread_id}/usage", headers=proxy_headers("alice"))
    body = own.json()
    assert own.status_code == 200 and own["Cache-Control"] == "no-store"
    assert (body["replies"], body["unpriced"]) == (2, 0)
    assert body["input_tokens"] == sum(row.input_tokens for row in rows)
    assert body["output_tokens"] == sum(row.output_tokens for row in rows)
    assert Decimal(body["cost"]) == sum(row.cost for row in rows)
    assert body["latest"]["output_tokens"] == rows[-1].output_tokens and body["latest"]["offline"] is True
    assert (await async_client.get(f"/chatkit/runs/{thread_id}/usage", headers=proxy_headers("bob"))).status_code == 404
    assert (await async_client.get(f"/chatkit/runs/{thread_id}/usage")).status_code == 401


async def test_a_thread_with_an_unpriced_reply_shows_no_cost_for_the_whole(create_thread, async_client, settings):
    thread_id, _ = await create_thread()  # no price: the offline planner has none by default
    settings.MERAK_MODEL_PRICES = {MODEL_NAME: {"input": 1, "output": 2}}
    await models.Reply.objects.filter(thread_id=thread_id).aupdate(cost=None)

    body = (await async_client.get(f"/chatkit/runs/{thread_id}/usage", headers=proxy_headers())).json()

    assert (body["replies"], body["unpriced"], body["cost"], body["latest"]["cost"]) == (1, 1, None, None)


async def _replies(thread_id: str) -> list[models.Reply]:
    return [row async for row in models.Reply.objects.filter(thread_id=thread_id).order_by("started_at", "id")]
