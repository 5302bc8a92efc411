"""Per-user limits: requests per window and open streams (429 with Retry-After), on local memory and Redis."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx
import pytest
from django.core.cache import cache

from chatkit_app import checks
from chatkit_app.guards import limits
from chatkit_app.models import ThreadLease
from chatkit_app.testing.factories import ThreadFactory, UserMessageFactory
from chatkit_app.testing.guards import open_streams
from chatkit_app.testing.protocol import CREATE, proxy_headers, read_events, read_until_text, stored_rows, wait_for
from merak_project.runtime import counters

LIST = {"type": "threads.list", "params": {}}


# --- the counters, without HTTP ---------------------------------------------------


async def test_requests_are_counted_per_user_per_window(any_cache, settings):
    settings.MERAK_RATE_LIMIT_REQUESTS, settings.MERAK_RATE_LIMIT_WINDOW_SECONDS = 3, 60
    start = 600.0 * 1_000_000  # the start of a window

    for second in range(3):
        await limits.count_request("alice", now=start + second)
    with pytest.raises(limits.RateLimited) as refused:
        await limits.count_request("alice", now=start + 10)
    await limits.count_request("bob", now=start + 10)  # other users have their own count
    await limits.count_request("alice", now=start + 60)  # a new window

    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert refused.value.headers["Retry-After"] == "50"


async def test_on_redis_the_counters_are_asyncio_calls_on_django_s_keys_and_expire(redis_cache, settings):
    settings.MERAK_RATE_LIMIT_REQUESTS, settings.MERAK_RATE_LIMIT_WINDOW_SECONDS = 10, 60
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 2
    window = int(time.time() // 60)

    await limits.count_request("alice")
    await limits.take_stream_slot("alice")

    assert isinstance(counters.counters_for_default_cache(), counters.RedisCounters)
    # Django's cache reads what the event loop's client wrote, under the same (prefixed) keys...
    assert cache.get(f"merak:rate:alice:{window}") == 1 and open_streams("alice") == 1
    # ...and no counter outlives its purpose: the window's, or a dead worker's slots.
    assert 0 < cache.ttl(f"merak:rate:alice:{window}") <= 61
    assert 0 < cache.ttl("merak:streams:alice") <= limits.STREAM_SLOT_SECONDS


async def test_cache_work_leaves_the_event_loop_only_for_a_network_cache(any_cache):
    # Calls through Django's cache API to a network cache are round trips: a worker thread waits
    # for them. Local memory is a dict update, done inline without a thread hop.
    ran_on = await counters.cache_work(threading.get_ident)()

    assert (ran_on == threading.get_ident()) is (any_cache == "locmem")


async def test_a_zero_limit_counts_nothing(any_cache, settings):
    settings.MERAK_RATE_LIMIT_REQUESTS = 0

    for _ in range(1000):
        await limits.count_request("alice")


async def test_open_streams_are_limited_per_user_and_given_back(any_cache, settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 2

    assert await limits.take_stream_slot("alice") and await limits.take_stream_slot("alice")
    with pytest.raises(limits.RateLimited) as refused:
        await limits.take_stream_slot("alice")
    assert await limits.take_stream_slot("bob")
    assert open_streams("alice") == 2, "a refused stream holds no slot"
    await limits.give_back_stream_slot("alice")

    assert await limits.take_stream_slot("alice")
    assert refused.value.code == "too_many_streams" and int(refused.value.headers["Retry-After"]) >= 1


async def test_a_lapsed_slot_counter_is_not_driven_negative(any_cache, settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1
    await limits.take_stream_slot("alice")
    cache.delete("merak:streams:alice")  # as if it expired while the stream ran

    await limits.give_back_stream_slot("alice")

    assert open_streams("alice") == 0 and cache.get("merak:streams:alice") is None
    assert await limits.take_stream_slot("alice")


async def test_concurrent_requests_are_each_counted_once(any_cache, settings):
    settings.MERAK_RATE_LIMIT_REQUESTS, settings.MERAK_RATE_LIMIT_WINDOW_SECONDS = 20, 60
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 5

    async def outcome(call) -> bool:
        try:
            return await call
        except limits.RateLimited:
            return False

    counted = await asyncio.gather(*(outcome(limits.count_request("alice")) for _ in range(30)))
    slots = await asyncio.gather(*(outcome(limits.take_stream_slot("alice")) for _ in range(12)))

    assert counted.count(None) == 20, "exactly the limit got through"
    assert slots.count(True) == 5 and open_streams("alice") == 5


async def test_a_failing_cache_lets_requests_through(unreachable_cache, settings):
    settings.MERAK_RATE_LIMIT_REQUESTS = settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1

    for _ in range(3):
        await limits.count_request("alice")
        assert await limits.take_stream_slot("alice") is False
    await limits.renew_stream_slots("alice")
    await limits.give_back_stream_slot("alice")


async def test_a_silent_redis_holds_a_request_only_for_its_timeout(settings, close_counter_clients, caplog):
    settings.MERAK_RATE_LIMIT_REQUESTS = settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1
    with socket.create_server(("127.0.0.1", 0)) as silent:  # connections complete, nothing ever answers
        port = silent.getsockname()[1]
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
            }
        }
        started = time.monotonic()

        await limits.count_request("alice")
        assert await limits.take_stream_slot("alice") is False

    assert time.monotonic() - started < 5
    assert "rate limit not checked: the cache failed" in caplog.text
    assert "open streams not counted: the cache failed" in caplog.text


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


def test_a_user_with_all_streams_open_gets_429_until_one_ends(asgi_server, any_cache, settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 3

    with httpx.Client(timeout=30) as client:
        with open_stream(client, asgi_server, CREATE) as first:
            events = read_events(first)
            read_until_text(events)
            refused = client.post(f"{asgi_server}/chatkit", json=CREATE, headers=proxy_headers("alice"))
            other_user = client.post(f"{asgi_server}/chatkit", json=CREATE, headers=proxy_headers("bob"))
            assert list(events)[-1][1]["type"] != "error", "the first stream ran to its end"
        wait_for(lambda: open_streams("alice") == 0)
        again = client.post(f"{asgi_server}/chatkit", json=CREATE, headers=proxy_headers("alice"))

    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_streams"
    assert int(refused.headers["Retry-After"]) >= 1
    assert other_user.status_code == 200
    assert again.status_code == 200


def test_a_client_leaving_mid_stream_gives_back_its_slot_and_lease(asgi_server, any_cache, settings):
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

    with httpx.Client(timeout=30) as client, open_stream(client, asgi_server, body) as response:
        read_until_text(read_events(response))
        assert open_streams("alice") == 1
        assert ThreadLease.objects.filter(thread_id=thread.thread_id).exists()
        # Leaving the block closed the connection mid-reply.

    wait_for(lambda: open_streams("alice") == 0 and not ThreadLease.objects.exists())
    with httpx.Client(timeout=30) as client:
        again = client.post(f"{asgi_server}/chatkit", json=body, headers=proxy_headers("alice"))
    assert again.status_code == 200
    wait_for(lambda: open_streams("alice") == 0 and not ThreadLease.objects.exists())
