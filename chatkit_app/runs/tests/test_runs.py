"""A reply belongs to the server: it runs to its end however its connection ends, grows in the store as it
goes, counts against its user's streams until it ends, and stops when asked (one server, in this process)."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest

from chatkit_app import models
from chatkit_app.runs import registry
from chatkit_app.store import DjangoStore
from chatkit_app.testing.protocol import CREATE, proxy_headers, read_events, unlocked, user_input, wait_for
from chatkit_app.testing.replies import words

pytestmark = pytest.mark.django_db(transaction=True)


def ask(text: str) -> dict:
    return {"type": "threads.create", "params": {"input": user_input(text)}}


def follow_up(thread_id: str, text: str) -> dict:
    return {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": user_input(text)}}


def leave_after(base_url: str, request: dict, words_seen: int, user: str = "alice") -> str:
    """Stream `request`, and hang up once the reply has shown `words_seen` words; the thread's id."""
    thread_id, text = None, ""
    with (
        httpx.Client(timeout=30) as client,
        client.stream("POST", f"{base_url}/chatkit", json=request, headers=proxy_headers(user)) as response,
    ):
        for _, event in read_events(response):
            if event["type"] == "thread.created":
                thread_id = event["thread"]["id"]
            update = event.get("update", {})
            if update.get("type") == "assistant_message.content_part.text_delta":
                text += update["delta"]
                if len(text.split()) >= words_seen:
                    break
    assert thread_id
    return thread_id


def running(thread_id: str) -> bool:
    return unlocked(models.ThreadLease.objects.filter(thread_id=thread_id).exists)


def stored(thread_id: str) -> list[tuple[str, str]]:
    """The thread as a person reads it back: each item's type and what it says."""
    rows = unlocked(
        lambda: list(
            models.Item.objects.filter(thread_id=thread_id).order_by("created_at", "seq").values_list("type", "data")
        )
    )
    said = {
        "assistant_message": lambda data: "".join(part["text"] for part in data["content"]),
        "user_message": lambda data: "".join(part["text"] for part in data["content"]),
        "widget": lambda data: data.get("copy_text") or "",
        "workflow": lambda data: " | ".join(task.get("title") or "" for task in data["workflow"]["tasks"]),
    }
    return [(kind, said.get(kind, lambda data: "")(data)) for kind, data in rows]


def assistant_text(thread_id: str) -> str:
    return "".join(text for kind, text in stored(thread_id) if kind == "assistant_message")


@pytest.fixture
def pinned_clock(monkeypatch):
    """The offline reply quotes the local time: pinned, two runs of one request write the same text."""
    monkeypatch.setattr("agents_app.tools.clock.current_utc_time", lambda: datetime(2027, 3, 1, 12, 0, tzinfo=UTC))


def test_a_reply_goes_on_after_its_client_leaves_and_stores_what_an_uninterrupted_one_does(
    asgi_server, settings, pinned_clock
):
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 10
    with httpx.Client(timeout=30) as client:
        whole = client.post(f"{asgi_server}/chatkit", json=CREATE, headers=proxy_headers("bob"))
    assert whole.status_code == 200
    bobs_thread = models.Thread.objects.get(user_id="bob")

    thread_id = leave_after(asgi_server, CREATE, words_seen=5)

    assert running(thread_id), "the reply runs on after its client left"
    wait_for(lambda: not running(thread_id), timeout=30)
    assert stored(thread_id) == stored(bobs_thread.thread_id)
    assert models.Thread.objects.get(thread_id=thread_id).title == bobs_thread.title
    assert not models.Item.objects.filter(thread_id=thread_id, type="sdk_hidden_context").exists()


def test_a_message_sent_while_a_detached_reply_runs_is_409_saying_a_reply_is_in_progress(asgi_server, words_model):
    thread_id = leave_after(asgi_server, ask("say 200 words"), words_seen=3)

    busy = httpx.post(f"{asgi_server}/chatkit", json=follow_up(thread_id, "hello"), headers=proxy_headers())

    assert busy.status_code == 409 and busy.json()["error"]["code"] == "thread_busy"
    assert "in progress" in busy.json()["error"]["message"]
    wait_for(lambda: not running(thread_id), timeout=30)


def test_a_detached_reply_counts_against_its_users_open_streams_until_it_ends(asgi_server, words_model, settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1
    thread_id = leave_after(asgi_server, ask("say 100 words"), words_seen=3)

    refused = httpx.post(f"{asgi_server}/chatkit", json=ask("say 3 words"), headers=proxy_headers())

    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_streams"
    wait_for(lambda: not running(thread_id), timeout=30)
    assert httpx.post(f"{asgi_server}/chatkit", json=ask("say 3 words"), headers=proxy_headers()).status_code == 200


def test_a_reply_is_stored_as_it_grows_about_once_a_second(asgi_server, words_model, monkeypatch):
    saves = []
    save_item = DjangoStore.save_item

    async def counted(self, thread_id, item, context):
        saves.append(item.type)
        await save_item(self, thread_id, item, context)

    monkeypatch.setattr(DjangoStore, "save_item", counted)
    started = time.monotonic()
    thread_id = leave_after(asgi_server, ask("say 150 words"), words_seen=2)
    seen = set()
    while running(thread_id):
        seen.add(len(assistant_text(thread_id).split()))
        time.sleep(0.2)
    took = time.monotonic() - started

    assert assistant_text(thread_id) == words(150)
    partial = sorted(count for count in seen if 0 < count < 150)
    assert len(partial) >= 2, f"the stored reply grew while it ran: {sorted(seen)}"
    # 150 deltas over about three seconds: a flush about once a second, never one per delta.
    assert 2 <= saves.count("assistant_message") <= took + 1, (saves, took)


def test_the_status_of_a_thread_says_whether_a_reply_runs_in_it(asgi_server, words_model):
    thread_id = leave_after(asgi_server, ask("say 100 words"), words_seen=3)
    status = f"{asgi_server}/chatkit/runs/{thread_id}"

    during = httpx.get(status, headers=proxy_headers())
    wait_for(lambda: not running(thread_id), timeout=30)
    after = httpx.get(status, headers=proxy_headers())

    assert during.status_code == 200 and during.json()["running"] is True and during.json()["started_at"]
    assert after.json() == {"thread_id": thread_id, "running": False, "started_at": None}
    assert httpx.get(status, headers=proxy_headers("bob")).status_code == 404
    assert httpx.get(status, headers={}).status_code == 401


def test_stop_ends_the_reply_within_a_second_keeping_its_partial_text_and_the_note(asgi_server, words_model):
    seen: list[tuple[float, dict]] = []
    with (
        httpx.Client(timeout=30) as client,
        client.stream("POST", f"{asgi_server}/chatkit", json=ask("say 1000 words"), headers=proxy_headers()) as stream,
    ):
        events = read_events(stream)
        thread_id = next(event for _, event in events if event["type"] == "thread.created")["thread"]["id"]
        reader = threading.Thread(target=lambda: seen.extend(events))
        reader.start()
        time.sleep(0.5)
        asked = time.monotonic()
        stop = client.post(f"{asgi_server}/chatkit/runs/{thread_id}/cancel", headers=proxy_headers())
        answered = time.monotonic()
        reader.join(timeout=10)

    assert stop.status_code == 200 and stop.json()["cancelled"] is True and stop.json()["running"] is False
    assert answered - asked < 1, f"stopped after {answered - asked:.2f} s"
    assert seen and seen[-1][0] - asked < 1, "the stream ended within a second"
    kinds = [kind for kind, _ in stored(thread_id)]
    assert kinds[-2:] == ["assistant_message", "sdk_hidden_context"]
    assert words(1000).startswith(assistant_text(thread_id)) and 10 < len(assistant_text(thread_id).split()) < 200
    assert not running(thread_id)


def test_a_stop_that_comes_while_the_reply_is_being_stored_keeps_its_text_and_the_note(
    asgi_server, words_model, monkeypatch
):
    storing = threading.Event()
    save_item = DjangoStore.save_item

    async def slow(self, thread_id, item, context):
        storing.set()
        await asyncio.sleep(0.5)  # the stop comes now, between two of the SDK's events
        await save_item(self, thread_id, item, context)

    monkeypatch.setattr(DjangoStore, "save_item", slow)
    thread_id = leave_after(asgi_server, ask("say 1000 words"), words_seen=3)
    assert storing.wait(timeout=5), "the reply in flight is stored about once a second"

    stop = httpx.post(f"{asgi_server}/chatkit/runs/{thread_id}/cancel", headers=proxy_headers())

    assert stop.json()["cancelled"] is True
    wait_for(lambda: not running(thread_id), timeout=5)
    assert [kind for kind, _ in stored(thread_id)][-2:] == ["assistant_message", "sdk_hidden_context"]
    assert words(1000).startswith(assistant_text(thread_id)) and len(assistant_text(thread_id).split()) >= 3


def test_stopping_is_the_callers_own_business(asgi_server, words_model, create_thread):
    thread_id = leave_after(asgi_server, ask("say 100 words"), words_seen=3)
    cancel = f"{asgi_server}/chatkit/runs/{thread_id}/cancel"

    assert httpx.post(cancel, headers=proxy_headers("bob")).status_code == 404
    assert httpx.post(f"{asgi_server}/chatkit/runs/thr_nowhere/cancel", headers=proxy_headers()).status_code == 404
    assert running(thread_id), "nobody else can stop it"
    wait_for(lambda: not running(thread_id), timeout=30)
    idle = httpx.post(cancel, headers=proxy_headers())
    assert idle.status_code == 200 and idle.json()["cancelled"] is False and idle.json()["running"] is False
    assert assistant_text(thread_id) == words(100)


def test_a_reply_past_its_longest_run_is_cancelled_with_its_partial_text_kept(asgi_server, words_model, settings):
    settings.MERAK_RUN_MAX_SECONDS = 0.6
    thread_id = leave_after(asgi_server, ask("say 1000 words"), words_seen=3)

    wait_for(lambda: not running(thread_id), timeout=5)

    assert [kind for kind, _ in stored(thread_id)][-2:] == ["assistant_message", "sdk_hidden_context"]
    assert 3 <= len(assistant_text(thread_id).split()) < 100


def test_a_worker_shutting_down_takes_no_new_replies(asgi_server, words_model):
    registry.begin_shutdown()
    try:
        refused = httpx.post(f"{asgi_server}/chatkit", json=ask("say 3 words"), headers=proxy_headers())
    finally:
        registry.reset()

    assert refused.status_code == 503 and refused.json()["error"]["code"] == "shutting_down"
    assert refused.headers["Retry-After"] == "1"
    assert not models.Thread.objects.exists()
