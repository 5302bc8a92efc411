"""Per-user limits: requests per window and open streams (429 with Retry-After), on local memory and Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from django.core.cache import cache

from chatkit_app import checks, limits
from chatkit_app.models import ThreadLease

from .conftest import proxy_headers, stored_rows
from .factories import ThreadFactory, UserMessageFactory
from .test_view_streaming import CREATE, read_events

LIST = {"type": "threads.list", "params": {}}


# --- the counters, without HTTP ---------------------------------------------------


def test_requests_are_counted_per_user_per_window(any_cache, settings):
    settings.MERAK_RATE_LIMIT_REQUESTS, settings.MERAK_RATE_LIMIT_WINDOW_SECONDS = 3, 60
    start = 600.0 * 1_000_000  # the start of a window

    for second in range(3):
        limits.count_request("alice", now=start + second)
    with pytest.raises(limits.RateLimited) as refused:
        limits.count_request("alice", now=start + 10)
    limits.count_request("bob", now=start + 10)  # other users have their own count
    limits.count_request("alice", now=start + 60)  # a new window

    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert refused.value.headers["Retry-After"] == "50"


async def test_cache_work_leaves_the_event_loop_only_for_a_network_cache(any_cache):
    # Redis calls are round trips: a worker thread waits for them. Local memory is a dict update,
    # done inline without a thread hop.
    ran_on = await limits.cache_work(threading.get_ident)()

    assert (ran_on == threading.get_ident()) is (any_cache == "locmem")


def test_a_zero_limit_counts_nothing(any_cache, settings):
    settings.MERAK_RATE_LIMIT_REQUESTS = 0

    for _ in range(1000):
        limits.count_request("alice")


def test_open_streams_are_limited_per_user_and_given_back(any_cache, settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 2

    assert limits.take_stream_slot("alice") and limits.take_stream_slot("alice")
    with pytest.raises(limits.RateLimited) as refused:
        limits.take_stream_slot("alice")
    assert limits.take_stream_slot("bob")
    assert limits.open_streams("alice") == 2, "a refused stream holds no slot"
    limits.give_back_stream_slot("alice")

    assert limits.take_stream_slot("alice")
    assert refused.value.code == "too_many_streams" and int(refused.value.headers["Retry-After"]) >= 1


def test_a_lapsed_slot_counter_is_not_driven_negative(any_cache, settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1
    limits.take_stream_slot("alice")
    cache.delete("merak:streams:alice")  # as if it expired while the stream ran

    limits.give_back_stream_slot("alice")

    assert limits.open_streams("alice") == 0
    assert limits.take_stream_slot("alice")


def test_a_failing_cache_lets_requests_through(unreachable_cache, settings):
    settings.MERAK_RATE_LIMIT_REQUESTS = settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1

    for _ in range(3):
        limits.count_request("alice")
        assert limits.take_stream_slot("alice") is False


def test_several_workers_on_a_local_memory_cache_get_a_warning(settings):
    settings.CHATKIT_SERVER_WORKERS = 4
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    assert [message.id for message in checks.shared_cache_check()] == ["merak.W001"]
    settings.CHATKIT_SERVER_WORKERS = 1
    assert checks.shared_cache_check() == []


# --- through /chatkit -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_requests_over_the_limit_are_429_json_with_retry_after(chatkit, create_thread, settings):
    thread_id, _ = await create_thread()
    cache.clear()
    settings.MERAK_RATE_LIMIT_REQUESTS, settings.MERAK_RATE_LIMIT_WINDOW_SECONDS = 2, 60
    update = {"type": "threads.update", "params": {"thread_id": thread_id, "title": "renamed"}}
    assert (await chatkit(LIST)).status == 200
    assert (await chatkit(LIST)).status == 200
    before = await stored_rows()

    refused = await chatkit(update)

    assert refused.status == 429 and refused.json["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert await stored_rows() == before
    assert (await chatkit(LIST, user="bob")).status == 200


def open_stream(client: httpx.Client, url: str, body: dict, user: str = "alice"):
    return client.stream("POST", f"{url}/chatkit", json=body, headers=proxy_headers(user))


def read_until_text(events: Iterator[tuple[float, dict]], words: int = 3) -> None:
    """Read events until the reply has written a few words (the stream is then well under way).

    Keep reading from the same `events`: a second `read_events()` cannot
    resume the stream, and dropping the first one closes the connection.
    """
    text = ""
    for _, event in events:
        update = event.get("update", {})
        if update.get("type") == "assistant_message.content_part.text_delta":
            text += update["delta"]
            if len(text.split()) >= words:
                return
    raise AssertionError("the stream ended before it wrote anything")


def wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_user_with_all_streams_open_gets_429_until_one_ends(asgi_server, settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 3

    with httpx.Client(timeout=30) as client:
        with open_stream(client, asgi_server, CREATE) as first:
            events = read_events(first)
            read_until_text(events)
            refused = client.post(f"{asgi_server}/chatkit", json=CREATE, headers=proxy_headers("alice"))
            other_user = client.post(f"{asgi_server}/chatkit", json=CREATE, headers=proxy_headers("bob"))
            assert list(events)[-1][1]["type"] != "error", "the first stream ran to its end"
        wait_for(lambda: limits.open_streams("alice") == 0)
        again = client.post(f"{asgi_server}/chatkit", json=CREATE, headers=proxy_headers("alice"))

    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_streams"
    assert int(refused.headers["Retry-After"]) >= 1
    assert other_user.status_code == 200
    assert again.status_code == 200


def test_a_client_leaving_mid_stream_gives_back_its_slot_and_lease(asgi_server, settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 5
    thread = ThreadFactory(user_id="alice")
    UserMessageFactory(thread=thread, text="3 days in Lisbon from 2027-03-12")
    body = {
        "type": "threads.add_user_message",
        "params": {
            "thread_id": thread.thread_id,
            "input": {
                "content": [{"type": "input_text", "text": "make it 5 days"}],
                "attachments": [],
                "inference_options": {},
            },
        },
    }

    with httpx.Client(timeout=30) as client:
        with open_stream(client, asgi_server, body) as response:
            read_until_text(read_events(response))
            assert limits.open_streams("alice") == 1
            assert ThreadLease.objects.filter(thread_id=thread.thread_id).exists()
        # Leaving the block closed the connection mid-reply.

    wait_for(lambda: limits.open_streams("alice") == 0 and not ThreadLease.objects.exists())
    with httpx.Client(timeout=30) as client:
        again = client.post(f"{asgi_server}/chatkit", json=body, headers=proxy_headers("alice"))
    assert again.status_code == 200
    wait_for(lambda: limits.open_streams("alice") == 0 and not ThreadLease.objects.exists())
