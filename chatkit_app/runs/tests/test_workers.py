"""Replies across real server processes on PostgreSQL and Redis: a stop reaches the worker that runs the
reply, a reply whose client left finishes anyway, and deploys (SIGTERM) and crashes (SIGKILL) lose
nothing that was stored."""

from __future__ import annotations

import contextlib
import signal
import threading
import time

import httpx
import pytest

from chatkit_app import models
from chatkit_app.testing.protocol import WORKERS_REDIS_DB, proxy_headers, read_events, redis_reachable, wait_for
from chatkit_app.testing.replies import words
from chatkit_app.testing.servers import postgres_test_database_url, servers

from .conftest import WORDS_MODEL
from .test_runs import ask, assistant_text, follow_up, leave_after, running, stored

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_DB = WORKERS_REDIS_DB


@pytest.fixture
def on_redis():
    """Server settings for workers sharing a Redis (limits and the channel layer), emptied before and after."""
    if not redis_reachable():
        pytest.skip("needs Redis at 127.0.0.1:6379: the channel layer between worker processes")
    import redis

    client = redis.Redis(db=REDIS_DB)
    client.flushdb()
    yield {"CACHE_URL": f"redis://127.0.0.1:6379/{REDIS_DB}", "MERAK_MODEL": WORDS_MODEL}
    client.flushdb()


def test_a_stop_sent_through_one_worker_stops_the_reply_on_another_within_a_second(on_redis):
    with servers(postgres_test_database_url(), count=2, MERAK_OFFLINE_STREAM_DELAY_MS="20", **on_redis) as started:
        (one, _), (two, _) = started
        ended: list[float] = []
        with (
            httpx.Client(timeout=30) as client,
            client.stream("POST", f"{one}/chatkit", json=ask("say 1000 words"), headers=proxy_headers()) as stream,
        ):
            events = read_events(stream)
            thread_id = next(event for _, event in events if event["type"] == "thread.created")["thread"]["id"]
            reader = threading.Thread(target=lambda: ended.extend(at for at, _ in events))
            reader.start()
            time.sleep(0.5)
            asked = time.monotonic()
            stop = client.post(f"{two}/chatkit/runs/{thread_id}/cancel", headers=proxy_headers())
            reader.join(timeout=10)

    assert stop.json() == {"thread_id": thread_id, "running": False, "started_at": None, "cancelled": True}
    assert ended[-1] - asked < 1, f"the reply on the other worker ended {ended[-1] - asked:.2f} s after the stop"
    assert [kind for kind, _ in stored(thread_id)][-2:] == ["assistant_message", "sdk_hidden_context"]


def test_across_workers_a_reply_whose_client_left_stores_what_an_uninterrupted_one_does(on_redis):
    with servers(postgres_test_database_url(), count=2, MERAK_OFFLINE_STREAM_DELAY_MS="10", **on_redis) as started:
        (one, _), (two, _) = started
        with httpx.Client(timeout=30) as client:
            whole = client.post(f"{two}/chatkit", json=ask("say 120 words"), headers=proxy_headers("bob"))
        left = leave_after(one, ask("say 120 words"), words_seen=5)
        assert running(left)
        busy = httpx.post(f"{two}/chatkit", json=follow_up(left, "hi"), headers=proxy_headers())
        wait_for(lambda: not running(left), timeout=30)

    assert whole.status_code == 200 and busy.status_code == 409
    bobs = models.Thread.objects.get(user_id="bob").thread_id
    assert stored(left) == stored(bobs) and assistant_text(left) == words(120)


def test_on_sigterm_short_replies_finish_and_long_ones_are_cancelled_with_their_partial_text(on_redis):
    database = postgres_test_database_url()
    with servers(database, MERAK_OFFLINE_STREAM_DELAY_MS="20", MERAK_RUN_DRAIN_SECONDS="3", **on_redis) as started:
        [(base_url, process)] = started
        short = leave_after(base_url, ask("say 60 words"), words_seen=2, user="alice")
        long = leave_after(base_url, ask("say 2000 words"), words_seen=2, user="bob")
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        refused = None
        with contextlib.suppress(httpx.TransportError):  # the listening socket already closed: as good
            refused = httpx.post(f"{base_url}/chatkit", json=ask("say 3 words"), headers=proxy_headers("carol"))
        # uvicorn exits by re-raising the signal it caught, once it has shut down.
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
        exited = time.monotonic() - signalled

    assert refused is None or refused.status_code == 503
    assert assistant_text(short) == words(60), "a reply within the drain period finishes"
    kinds = [kind for kind, _ in stored(long)]
    assert kinds[-2:] == ["assistant_message", "sdk_hidden_context"], "a longer one is cancelled, its text kept"
    assert words(2000).startswith(assistant_text(long)) and len(assistant_text(long).split()) > 60
    assert 3 <= exited < 3 + 10, f"exited {exited:.1f} s after SIGTERM"
    assert not models.ThreadLease.objects.exists()


def test_after_sigkill_the_text_stored_before_it_is_kept_and_the_thread_is_free_within_ten_seconds(on_redis):
    database = postgres_test_database_url()
    with servers(database, count=2, MERAK_OFFLINE_STREAM_DELAY_MS="20", **on_redis) as started:
        (one, one_process), (two, _) = started
        thread_id = leave_after(one, ask("say 2000 words"), words_seen=3)
        time.sleep(2.5)  # a couple of flushes
        one_process.kill()
        killed_at = time.monotonic()
        one_process.wait()
        kept = assistant_text(thread_id)
        while (
            status := httpx.post(f"{two}/chatkit", json=follow_up(thread_id, "say 3 words"), headers=proxy_headers())
        ).status_code == 409:
            assert time.monotonic() - killed_at < 10, "the dead worker's lease held on"
            time.sleep(0.2)

    assert words(2000).startswith(kept) and len(kept.split()) >= 50, f"only {len(kept.split())} words kept"
    assert status.status_code == 200
