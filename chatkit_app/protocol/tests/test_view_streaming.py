"""SSE over a real socket from a real ASGI server: incremental delivery and cancellation."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest

from chatkit_app import models
from chatkit_app.testing.protocol import CREATE, proxy_headers, read_events, unlocked

pytestmark = pytest.mark.django_db(transaction=True)


def test_events_arrive_while_the_reply_is_still_being_written(asgi_server, settings):
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 5

    with (
        httpx.Client(timeout=30) as client,
        client.stream("POST", f"{asgi_server}/chatkit", json=CREATE, headers=proxy_headers("alice")) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        arrivals = list(read_events(response))

    times = [at for at, _ in arrivals]
    types = [event["type"] for _, event in arrivals]
    assert types[0] == "thread.created"
    deltas = [at for at, event in arrivals if event.get("update", {}).get("type", "").endswith("text_delta")]
    assert len(deltas) > 20
    # With 5 ms between words, a buffered response would deliver everything at
    # once; here the first event is in hand long before the last one is sent.
    assert times[-1] - times[0] > 0.1
    assert deltas[-1] - deltas[0] > 0.1


def full_reply(base_url: str) -> str:
    with httpx.Client(timeout=30) as client:
        response = client.post(f"{base_url}/chatkit", json=CREATE, headers=proxy_headers("bob"))
    events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
    return "".join(
        part["text"]
        for event in events
        if event["type"] == "thread.item.done" and event["item"]["type"] == "assistant_message"
        for part in event["item"]["content"]
    )


def test_where_replies_do_not_outlive_clients_a_disconnect_stores_the_partial_answer_and_the_cancel_note(
    asgi_server, settings, monkeypatch
):
    settings.MERAK_REPLIES_OUTLIVE_CLIENTS = False  # the behaviour a deployment may keep
    # The reply quotes the local time: pin it, so both runs write the same text.
    monkeypatch.setattr("agents_app.tools.clock.current_utc_time", lambda: datetime(2027, 3, 1, 12, 0, tzinfo=UTC))
    whole = full_reply(asgi_server)
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 20
    received = ""
    thread_id = None

    with (
        httpx.Client(timeout=30) as client,
        client.stream("POST", f"{asgi_server}/chatkit", json=CREATE, headers=proxy_headers("alice")) as response,
    ):
        for _, event in read_events(response):
            if event["type"] == "thread.created":
                thread_id = event["thread"]["id"]
            update = event.get("update", {})
            if update.get("type") == "assistant_message.content_part.text_delta":
                received += update["delta"]
                if len(received.split()) >= 8:
                    break  # leaving the block closes the connection mid-reply

    assert thread_id
    # Read only once the cancelled reply has had time to store what it had: on SQLite's in-memory test database
    # (one cache shared by all connections) a read from this thread makes a concurrent write fail at once.
    time.sleep(1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        kinds = unlocked(lambda: list(models.Item.objects.filter(thread_id=thread_id).values_list("type", flat=True)))
        if "sdk_hidden_context" in kinds:
            break
        time.sleep(0.25)
    assert kinds == ["user_message", "assistant_message", "sdk_hidden_context"] or (
        kinds[0] == "user_message" and kinds[-2:] == ["assistant_message", "sdk_hidden_context"]
    ), kinds
    answer = models.Item.objects.get(thread_id=thread_id, type="assistant_message").data
    stored = "".join(part["text"] for part in answer["content"])
    # What was stored is what had been generated when the client left: more
    # than the client saw (the stream ran on briefly), far less than the whole.
    assert stored.startswith(received)
    assert whole.startswith(stored) and len(stored) < len(whole) / 2
    note = models.Item.objects.get(thread_id=thread_id, type="sdk_hidden_context").data
    assert "cancelled" in note["content"]
