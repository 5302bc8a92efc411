"""One stream per thread: the lease rules, a second stream answered 409, and the same across two server processes."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import IO

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from chatkit_app import thread_locks
from chatkit_app.models import Item, ThreadLease

from .conftest import free_port, parse_sse, proxy_headers
from .factories import ThreadFactory, UserMessageFactory
from .test_limits import read_until_text, wait_for
from .test_view_streaming import read_events

ROOT = Path(__file__).resolve().parents[2]
T0 = timezone.now()


def later(seconds: float):
    return T0 + timedelta(seconds=seconds)


# --- the lease, without HTTP ------------------------------------------------------


@pytest.mark.django_db
def test_a_held_lease_cannot_be_taken_until_released():
    assert thread_locks.acquire("thr_1", "alice", "first", now=T0)
    assert not thread_locks.acquire("thr_1", "alice", "second", now=later(1))

    thread_locks.release("thr_1", "alice", "first")

    assert thread_locks.acquire("thr_1", "alice", "second", now=later(2))


@pytest.mark.django_db
def test_a_lapsed_lease_is_taken_over_and_its_old_holder_cannot_renew_or_release_it():
    thread_locks.acquire("thr_1", "alice", "dead-worker", now=T0)
    lapse = thread_locks.LEASE_SECONDS

    assert not thread_locks.acquire("thr_1", "alice", "new", now=later(lapse - 1))
    assert thread_locks.acquire("thr_1", "alice", "new", now=later(lapse))
    assert not thread_locks.renew("thr_1", "alice", "dead-worker", now=later(lapse + 1))
    thread_locks.release("thr_1", "alice", "dead-worker")
    assert thread_locks.is_held("thr_1", "alice", now=later(lapse + 1))


@pytest.mark.django_db
def test_renewing_keeps_the_lease():
    thread_locks.acquire("thr_1", "alice", "holder", now=T0)

    assert thread_locks.renew("thr_1", "alice", "holder", now=later(25))

    assert not thread_locks.acquire("thr_1", "alice", "other", now=later(40))
    assert thread_locks.is_held("thr_1", "alice", now=later(40))


@pytest.mark.django_db
def test_leases_of_different_users_never_meet():
    """Bob naming Alice's thread id must not wait on (or learn of) Alice's stream."""
    assert thread_locks.acquire("thr_1", "alice", "a", now=T0)
    assert thread_locks.acquire("thr_1", "bob", "b", now=T0)


def test_ids_longer_than_any_thread_id_are_not_locked():
    assert thread_locks.lockable("thr_" + "x" * 60)
    assert not thread_locks.lockable("x" * 65)
    assert not thread_locks.lockable("")


@pytest.mark.django_db(transaction=True)
def test_of_racing_workers_exactly_one_takes_the_lease():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database serialises connections itself; the race is PostgreSQL's")
    barrier = threading.Barrier(8)
    won = []

    def race(n: int) -> None:
        from django.db import connections

        try:
            barrier.wait()
            if thread_locks.acquire("thr_race", "alice", f"holder{n}"):
                won.append(n)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(won) == 1
    assert ThreadLease.objects.get().holder == f"holder{won[0]}"


# --- through /chatkit -----------------------------------------------------------------


def follow_up(thread_id: str, text: str) -> dict:
    return {
        "type": "threads.add_user_message",
        "params": {
            "thread_id": thread_id,
            "input": {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}},
        },
    }


@pytest.fixture
def alices_thread(transactional_db) -> str:
    thread = ThreadFactory(user_id="alice")
    UserMessageFactory(thread=thread, text="3 days in Lisbon from 2027-03-12")
    return thread.thread_id


def item_ids_of(events: list[dict]) -> set[str]:
    return {event["item"]["id"] for event in events if event["type"] == "thread.item.done"}


def messages_saying(text: str, thread_id: str) -> list[str]:
    rows = Item.objects.filter(thread_id=thread_id, type="user_message").values_list("item_id", "data")
    return [item_id for item_id, data in rows if data["content"][0]["text"] == text]


def assert_not_interleaved(thread_id: str, first: set[str], second: set[str]) -> None:
    """Every item the first stream wrote comes before every item the second one wrote."""
    order = list(
        Item.objects.filter(thread_id=thread_id).order_by("created_at", "seq").values_list("item_id", flat=True)
    )
    positions = {item_id: n for n, item_id in enumerate(order)}
    assert first and second
    assert max(positions[i] for i in first) < min(positions[i] for i in second), order


def collide(first_url: str, second_url: str, thread_id: str, *, while_busy=lambda: None):
    """Stream a follow-up through `first_url`; mid-reply, and again after it, post another through `second_url`.

    `while_busy` runs after the refused post, while the first reply still streams.
    Returns (the post made mid-reply, the first reply's events, the post made after it).
    """
    with httpx.Client(timeout=30) as client:
        with client.stream(
            "POST", f"{first_url}/chatkit", json=follow_up(thread_id, "make it 4 days"), headers=proxy_headers()
        ) as first:
            events = read_events(first)
            read_until_text(events)
            busy = client.post(
                f"{second_url}/chatkit", json=follow_up(thread_id, "make it 5 days"), headers=proxy_headers()
            )
            while_busy()
            first_events = [event for _, event in events]
        second = client.post(
            f"{second_url}/chatkit", json=follow_up(thread_id, "make it 5 days"), headers=proxy_headers()
        )
    return busy, first_events, second


def test_a_second_stream_into_a_streaming_thread_is_409_and_nothing_interleaves(asgi_server, alices_thread, settings):
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 3

    def refused_message_not_stored():
        assert not messages_saying("make it 5 days", alices_thread), "the refused message was not stored"

    busy, first_events, second = collide(
        asgi_server, asgi_server, alices_thread, while_busy=refused_message_not_stored
    )

    assert busy.status_code == 409 and busy.json()["error"]["code"] == "thread_busy"
    assert busy.headers["Retry-After"] == "1"
    assert second.status_code == 200
    assert_not_interleaved(alices_thread, item_ids_of(first_events), item_ids_of(parse_sse(second.content)))
    assert not ThreadLease.objects.exists()


# --- two server processes on PostgreSQL --------------------------------------------


def start_server(database_url: str, port: int, log: IO[bytes]) -> subprocess.Popen:
    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_POOL_MAX_SIZE": "4",
        "DJANGO_DEBUG": "true",
        "MERAK_SERVER_API_KEY": settings.MERAK_SERVER_API_KEY,
        "OPENAI_API_KEY": "",
        "MERAK_MODEL": "gpt-4.1-mini",
        "MERAK_OFFLINE_STREAM_DELAY_MS": "5",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, str(ROOT / "scripts" / "run_chatkit_server.py"), "--port", str(port), "--workers", "1"]
    return subprocess.Popen(command, env=env, stdout=log, stderr=log)


@pytest.fixture(scope="module")
def two_servers(django_db_setup):
    """Two separate server processes (scripts/run_chatkit_server.py) on the test database: their base URLs.

    Tests using them must commit their data (`transactional_db`).
    """
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite's test database lives in this process's memory, out of other processes' reach"
        )
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    ports = [free_port(), free_port()]
    with tempfile.TemporaryFile() as log:
        servers = [start_server(url, port, log) for port in ports]
        try:
            for server, port in zip(servers, ports, strict=True):
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if server.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        pytest.fail(f"server on port {port} did not start:\n{log.read().decode()}")
                    time.sleep(0.2)
            yield [f"http://127.0.0.1:{port}" for port in ports]
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(timeout=15)


def test_two_processes_never_stream_into_one_thread_at_once(two_servers, alices_thread):
    one, two = two_servers

    busy, first_events, second = collide(one, two, alices_thread)

    assert busy.status_code == 409 and busy.json()["error"]["code"] == "thread_busy"
    assert second.status_code == 200
    assert len(messages_saying("make it 5 days", alices_thread)) == 1
    assert_not_interleaved(alices_thread, item_ids_of(first_events), item_ids_of(parse_sse(second.content)))
    assert not ThreadLease.objects.exists()


def test_a_client_leaving_one_process_frees_the_thread_for_the_other(two_servers, alices_thread):
    one, two = two_servers

    with httpx.Client(timeout=30) as client:
        with client.stream(
            "POST", f"{one}/chatkit", json=follow_up(alices_thread, "make it 4 days"), headers=proxy_headers()
        ) as first:
            read_until_text(read_events(first))
        # The connection closed mid-reply: process one cancels the stream and releases the lease.
        wait_for(lambda: not ThreadLease.objects.exists())
        second = client.post(f"{two}/chatkit", json=follow_up(alices_thread, "make it 5 days"), headers=proxy_headers())

    assert second.status_code == 200
    kinds = list(
        Item.objects.filter(thread_id=alices_thread).order_by("created_at", "seq").values_list("type", flat=True)
    )
    assert "sdk_hidden_context" in kinds, "the cancelled reply was stored with its note"


@pytest.mark.django_db
def test_lapsed_leases_are_purged_and_held_ones_kept():
    thread_locks.acquire("thr_dead", "alice", "dead", now=T0)
    thread_locks.acquire("thr_live", "alice", "live", now=later(100))

    assert thread_locks.purge_lapsed(now=later(thread_locks.LEASE_SECONDS + 1)) == 1

    assert list(ThreadLease.objects.values_list("thread_id", flat=True)) == ["thr_live"]
