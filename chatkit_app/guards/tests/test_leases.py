"""One stream per thread: the lease rules, a second stream answered 409, and the same across two server processes."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from chatkit_app.guards import leases
from chatkit_app.models import Item, ThreadLease
from chatkit_app.testing.factories import ThreadFactory, UserMessageFactory
from chatkit_app.testing.guards import lease_is_held
from chatkit_app.testing.protocol import CREATE, parse_sse, proxy_headers, read_events, read_until_text, wait_for
from chatkit_app.testing.servers import postgres_test_database_url, servers

T0 = timezone.now()


def later(seconds: float):
    return T0 + timedelta(seconds=seconds)


# --- the lease, without HTTP ------------------------------------------------------


@pytest.mark.django_db
def test_a_held_lease_cannot_be_taken_until_released():
    assert leases.acquire("thr_1", "alice", "first", now=T0)
    assert not leases.acquire("thr_1", "alice", "second", now=later(1))

    leases.release("thr_1", "alice", "first")

    assert leases.acquire("thr_1", "alice", "second", now=later(2))


@pytest.mark.django_db
def test_a_lapsed_lease_is_taken_over_and_its_old_holder_cannot_renew_or_release_it():
    leases.acquire("thr_1", "alice", "dead-worker", now=T0)
    lapse = leases.LEASE_SECONDS

    assert not leases.acquire("thr_1", "alice", "new", now=later(lapse - 1))
    assert leases.acquire("thr_1", "alice", "new", now=later(lapse))
    assert not leases.renew("thr_1", "alice", "dead-worker", now=later(lapse + 1))
    leases.release("thr_1", "alice", "dead-worker")
    assert lease_is_held("thr_1", "alice", now=later(lapse + 1))


@pytest.mark.django_db
def test_renewing_keeps_the_lease():
    lapse = leases.LEASE_SECONDS
    leases.acquire("thr_1", "alice", "holder", now=T0)

    assert leases.renew("thr_1", "alice", "holder", now=later(0.8 * lapse))

    assert not leases.acquire("thr_1", "alice", "other", now=later(1.3 * lapse))
    assert lease_is_held("thr_1", "alice", now=later(1.3 * lapse))


@pytest.mark.django_db
def test_leases_of_different_users_never_meet():
    """Bob naming Alice's thread id must not wait on (or learn of) Alice's stream."""
    assert leases.acquire("thr_1", "alice", "a", now=T0)
    assert leases.acquire("thr_1", "bob", "b", now=T0)


def test_ids_longer_than_any_thread_id_are_not_locked():
    assert leases.lockable("thr_" + "x" * 60)
    assert not leases.lockable("x" * 65)
    assert not leases.lockable("")


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
            if leases.acquire("thr_race", "alice", f"holder{n}"):
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


# Streaming requests into a thread: each must find the thread's lease before anything else.
# (The ids they name past the thread's need not exist: the lease is checked first.)
INTO_THREAD = {
    "add_user_message": lambda thread_id: follow_up(thread_id, "make it 5 days"),
    "retry_after_item": lambda thread_id: {
        "type": "threads.retry_after_item",
        "params": {"thread_id": thread_id, "item_id": "msg_unknown"},
    },
    "custom_action": lambda thread_id: {
        "type": "threads.custom_action",
        "params": {"thread_id": thread_id, "item_id": None, "action": {"type": "itinerary.add_day", "payload": {}}},
    },
    "add_client_tool_output": lambda thread_id: {
        "type": "threads.add_client_tool_output",
        "params": {"thread_id": thread_id, "result": {"opened": True}},
    },
}


def collide(first_url: str, second_url: str, thread_id: str | None, *, while_busy=lambda thread_id: None, into=None):
    """Stream a reply through `first_url`: a follow-up into `thread_id`, or a new thread when it is None.

    Mid-reply (for a new thread: right after the event that names it), post `into(thread_id)`
    (a follow-up by default) through `second_url`, then `while_busy(thread_id)` while the first
    reply still streams, and a follow-up through `second_url` once it has ended.
    Returns (the post made mid-reply, the thread id, the first reply's events, the post made after it).
    """
    into = into or INTO_THREAD["add_user_message"]
    opening = CREATE if thread_id is None else follow_up(thread_id, "make it 4 days")
    with httpx.Client(timeout=30) as client:
        with client.stream("POST", f"{first_url}/chatkit", json=opening, headers=proxy_headers()) as first:
            events = read_events(first)
            if thread_id is None:
                thread_id = next(event for _, event in events if event["type"] == "thread.created")["thread"]["id"]
            else:
                read_until_text(events)
            busy = client.post(f"{second_url}/chatkit", json=into(thread_id), headers=proxy_headers())
            while_busy(thread_id)
            first_events = [event for _, event in events]
        second = client.post(
            f"{second_url}/chatkit", json=follow_up(thread_id, "make it 5 days"), headers=proxy_headers()
        )
    return busy, thread_id, first_events, second


def assert_busy(busy: httpx.Response) -> None:
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "thread_busy", busy.text
    assert busy.headers["Retry-After"] == "1"


def test_a_second_stream_into_a_streaming_thread_is_409_and_nothing_interleaves(asgi_server, alices_thread, settings):
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 3

    def refused_message_not_stored(thread_id):
        assert not messages_saying("make it 5 days", thread_id), "the refused message was not stored"

    busy, _, first_events, second = collide(
        asgi_server, asgi_server, alices_thread, while_busy=refused_message_not_stored
    )

    assert_busy(busy)
    assert second.status_code == 200
    assert_not_interleaved(alices_thread, item_ids_of(first_events), item_ids_of(parse_sse(second.content)))
    assert not ThreadLease.objects.exists()


@pytest.mark.parametrize("kind", INTO_THREAD)
def test_a_new_thread_is_leased_from_its_first_event(asgi_server, transactional_db, settings, kind):
    """`threads.create` names its thread in its first event; a stream into it meanwhile is a 409."""
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 3

    busy, thread_id, first_events, second = collide(asgi_server, asgi_server, None, into=INTO_THREAD[kind])

    assert_busy(busy)
    assert second.status_code == 200
    first_items, second_items = item_ids_of(first_events), item_ids_of(parse_sse(second.content))
    assert_not_interleaved(thread_id, first_items, second_items)
    stored = set(Item.objects.filter(thread_id=thread_id).values_list("item_id", flat=True))
    assert stored == first_items | second_items, "the refused request stored nothing"
    assert not ThreadLease.objects.exists()


def test_a_reply_longer_than_its_lease_keeps_the_thread_by_renewing_it(
    asgi_server, alices_thread, settings, monkeypatch
):
    """No false 409s the other way: a healthy reply that outlives several lease terms still holds its thread."""
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 15
    monkeypatch.setattr(leases, "LEASE_SECONDS", 0.6)
    monkeypatch.setattr(leases, "RENEW_EVERY_SECONDS", 0.2)
    arrivals: list[float] = []

    with (
        httpx.Client(timeout=30) as client,
        client.stream(
            "POST", f"{asgi_server}/chatkit", json=follow_up(alices_thread, "make it 4 days"), headers=proxy_headers()
        ) as first,
    ):
        reader = threading.Thread(target=lambda: arrivals.extend(t for t, _ in read_events(first)))
        reader.start()
        time.sleep(3 * leases.LEASE_SECONDS)
        busy = client.post(f"{asgi_server}/chatkit", json=follow_up(alices_thread, "hi"), headers=proxy_headers())
        asked_at = time.monotonic()
        reader.join(timeout=30)

    assert arrivals[-1] > asked_at, "the reply was still streaming when the second message came"
    assert_busy(busy)


# --- two server processes on PostgreSQL --------------------------------------------


@pytest.fixture(scope="module")
def two_servers(django_db_setup):
    """Two separate server processes (scripts/run_chatkit_server.py) on the test database: their base URLs.

    Tests using them must commit their data (`transactional_db`).
    """
    with servers(postgres_test_database_url(), count=2) as started:
        yield [base_url for base_url, _ in started]


def test_two_processes_never_stream_into_one_thread_at_once(two_servers, alices_thread):
    one, two = two_servers

    busy, _, first_events, second = collide(one, two, alices_thread)

    assert_busy(busy)
    assert second.status_code == 200
    assert len(messages_saying("make it 5 days", alices_thread)) == 1
    assert_not_interleaved(alices_thread, item_ids_of(first_events), item_ids_of(parse_sse(second.content)))
    assert not ThreadLease.objects.exists()


def test_two_processes_never_stream_into_a_new_thread_at_once(two_servers, transactional_db):
    one, two = two_servers

    busy, thread_id, first_events, second = collide(one, two, None)

    assert_busy(busy)
    assert second.status_code == 200
    assert len(messages_saying("make it 5 days", thread_id)) == 1
    assert_not_interleaved(thread_id, item_ids_of(first_events), item_ids_of(parse_sse(second.content)))
    assert not ThreadLease.objects.exists()


def test_where_replies_do_not_outlive_clients_a_client_leaving_frees_the_thread_for_the_other_process(
    transactional_db, alices_thread
):
    """The behaviour a deployment may keep (`MERAK_REPLIES_OUTLIVE_CLIENTS=false`); by default the reply
    goes on instead (`chatkit_app/runs/tests/test_workers.py`)."""
    database = postgres_test_database_url()
    with (
        servers(database, count=2, MERAK_REPLIES_OUTLIVE_CLIENTS="false") as [(one, _), (two, _)],
        httpx.Client(timeout=30) as client,
    ):
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
    leases.acquire("thr_dead", "alice", "dead", now=T0)
    leases.acquire("thr_live", "alice", "live", now=later(100))

    assert leases.purge_lapsed(now=later(leases.LEASE_SECONDS + 1)) == 1

    assert list(ThreadLease.objects.values_list("thread_id", flat=True)) == ["thr_live"]


def test_a_thread_whose_worker_was_killed_takes_a_message_within_ten_seconds(transactional_db, alices_thread):
    def status_of_a_message(client: httpx.Client, base_url: str) -> int:
        # The answer's status is known at its first byte: the reply itself need not be read.
        with client.stream(
            "POST", f"{base_url}/chatkit", json=follow_up(alices_thread, "hi"), headers=proxy_headers()
        ) as answer:
            return answer.status_code

    with servers(postgres_test_database_url(), count=2, MERAK_OFFLINE_STREAM_DELAY_MS="50") as started:
        (one, one_process), (two, _) = started
        with httpx.Client(timeout=30) as client:
            with client.stream(
                "POST", f"{one}/chatkit", json=follow_up(alices_thread, "make it 4 days"), headers=proxy_headers()
            ) as first:
                read_until_text(read_events(first))
                one_process.kill()  # SIGKILL: no cleanup, the lease stays behind
                killed_at = time.monotonic()
                one_process.wait()
            assert status_of_a_message(client, two) == 409
            while (status := status_of_a_message(client, two)) == 409:
                assert time.monotonic() - killed_at < 10, "the dead worker's lease held on"
                time.sleep(0.2)

    assert status == 200
