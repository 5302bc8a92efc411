"""The stream guard: taken before streaming, renewed while it runs, given back however the stream stops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from chatkit_app.guards import leases, limits
from chatkit_app.guards.leases import StreamGuard
from chatkit_app.models import ThreadLease
from chatkit_app.testing.guards import open_streams

# Each test on local memory and on Redis (the counters there are redis-py asyncio calls, which a
# cancellation may interrupt mid-command).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("any_cache")]


async def slow_stream(chunks: int, pause: float) -> AsyncIterator[bytes]:
    for _ in range(chunks):
        await asyncio.sleep(pause)
        yield b"data: {}\n\n"


async def failing_stream() -> AsyncIterator[bytes]:
    yield b"data: {}\n\n"
    raise RuntimeError("the model went away")


async def lease_expiry():
    return await ThreadLease.objects.values_list("expires_at", flat=True).afirst()


async def drain(stream: AsyncIterator[bytes]) -> None:
    async for _ in stream:
        pass


async def test_a_stream_holds_a_slot_and_the_lease_and_gives_both_back_at_its_end(settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 2
    guard = await StreamGuard.acquire("alice", "thr_a")

    assert open_streams("alice") == 1 and await ThreadLease.objects.filter(thread_id="thr_a").aexists()
    await drain(guard.around(slow_stream(2, 0)))

    assert open_streams("alice") == 0 and not await ThreadLease.objects.aexists()


async def test_a_busy_thread_refuses_the_second_guard_and_keeps_no_slot_for_it(settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 2
    await StreamGuard.acquire("alice", "thr_a")

    with pytest.raises(leases.ThreadBusy):
        await StreamGuard.acquire("alice", "thr_a")

    assert open_streams("alice") == 1


async def test_a_new_thread_needs_no_lease(settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1
    guard = await StreamGuard.acquire("alice", None)

    assert not await ThreadLease.objects.aexists() and open_streams("alice") == 1
    await guard.release()
    await guard.release()  # idempotent
    assert open_streams("alice") == 0


async def test_a_long_stream_renews_its_lease_and_its_slot(settings, monkeypatch):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1
    monkeypatch.setattr(leases, "RENEW_EVERY_SECONDS", 0.05)
    renewed_slots = []

    async def renew_slots(user_id: str) -> None:
        renewed_slots.append(user_id)

    monkeypatch.setattr(limits, "renew_stream_slots", renew_slots)
    guard = await StreamGuard.acquire("alice", "thr_a")
    first = await lease_expiry()
    extended = False

    async for _ in guard.around(slow_stream(10, 0.05)):
        extended = extended or await lease_expiry() > first

    assert extended and renewed_slots and set(renewed_slots) == {"alice"}
    assert not await ThreadLease.objects.aexists()


async def test_a_failing_stream_gives_everything_back(settings):
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1
    guard = await StreamGuard.acquire("alice", "thr_a")

    with pytest.raises(RuntimeError):
        await drain(guard.around(failing_stream()))

    assert open_streams("alice") == 0 and not await ThreadLease.objects.aexists()


async def test_a_cancelled_stream_gives_everything_back(settings):
    """What happens when the client leaves: the task running the stream is cancelled mid-await."""
    settings.MERAK_MAX_OPEN_STREAMS_PER_USER = 1
    guard = await StreamGuard.acquire("alice", "thr_a")
    task = asyncio.create_task(drain(guard.around(slow_stream(1000, 0.01))))
    await asyncio.sleep(0.05)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert open_streams("alice") == 0 and not await ThreadLease.objects.aexists()
