"""The database threads' queue: a response's work before its first byte goes ahead of open streams' work."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextvars import ContextVar

import pytest

from chatkit_app.testing.servers import ROOT
from merak_project.runtime.db_threads import (
    DatabaseThreads,
    ahead_of_streams,
    back_in_line_after_first,
    in_database_thread,
)


@pytest.fixture
def busy_thread() -> Iterator[tuple[DatabaseThreads, list[str], threading.Event]]:
    """One database thread held busy until the event is set; the work it then does, in order."""
    threads, done, release, busy = DatabaseThreads(1, name="test-db"), [], threading.Event(), threading.Event()
    threads.submit(lambda: busy.set() or release.wait(10))
    assert busy.wait(10), "the thread took its first call"
    yield threads, done, release
    release.set()
    threads.shutdown()


def test_work_for_a_response_not_yet_started_goes_ahead_of_streams_work(busy_thread):
    threads, done, release = busy_thread
    streaming = [threads.submit(done.append, f"stream {n}") for n in range(3)]
    with ahead_of_streams():
        starting = threads.submit(done.append, "new request")

    release.set()
    for future in [*streaming, starting]:
        future.result(timeout=10)

    assert done == ["new request", "stream 0", "stream 1", "stream 2"]


def test_a_flood_of_new_requests_slows_open_streams_but_never_stops_them(busy_thread):
    threads, done, release = busy_thread
    streaming = [threads.submit(done.append, "stream") for _ in range(2)]
    with ahead_of_streams():
        starting = [threads.submit(done.append, "new") for _ in range(10)]

    release.set()
    for future in [*streaming, *starting]:
        future.result(timeout=10)

    run = DatabaseThreads.AHEAD_RUN
    assert done == ["new"] * run + ["stream"] + ["new"] * run + ["stream"] + ["new"] * (10 - 2 * run)


async def test_a_stream_goes_back_in_line_once_its_first_chunk_is_out(busy_thread):
    threads, done, release = busy_thread
    submitted = []

    async def reply():
        submitted.append(threads.submit(done.append, "reply: before its first event"))
        yield b"first event"
        submitted.append(threads.submit(done.append, "reply: after its first event"))
        yield b"second event"

    async def produce():  # as `EventPump` does: in a task of its own, created inside the request
        return [chunk async for chunk in back_in_line_after_first(reply())]

    submitted.append(threads.submit(done.append, "an open stream"))
    with ahead_of_streams():
        chunks = await asyncio.create_task(produce())
    release.set()
    for future in submitted:
        future.result(timeout=10)

    assert chunks == [b"first event", b"second event"]
    assert done == ["reply: before its first event", "an open stream", "reply: after its first event"]


def test_errors_reach_the_caller_and_the_thread_keeps_working():
    threads = DatabaseThreads(1, name="test-db")
    try:
        failed = threads.submit(int, "not a number")
        with pytest.raises(ValueError):
            failed.result(timeout=10)
        assert threads.submit(int, "42").result(timeout=10) == 42
    finally:
        threads.shutdown()


def test_shutdown_finishes_the_queued_work_and_takes_no_more(busy_thread):
    threads, done, release = busy_thread
    queued = [threads.submit(done.append, n) for n in range(3)]

    release.set()
    threads.shutdown()

    assert [future.result(timeout=0) for future in queued] == [None] * 3 and done == [0, 1, 2]
    with pytest.raises(RuntimeError):
        threads.submit(done.append, "late")


def test_work_queued_when_the_process_exits_is_still_done(tmp_path):
    done = tmp_path / "done"
    script = f"""
import pathlib, time
from merak_project.runtime.db_threads import DatabaseThreads
threads = DatabaseThreads(1)
threads.submit(time.sleep, 0.3)
threads.submit(pathlib.Path({str(done)!r}).touch)
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30, cwd=ROOT)

    assert done.exists()


_asked_by: ContextVar[str] = ContextVar("asked_by", default="nobody")


@in_database_thread
def _who_asks_then_answer_as(name: str) -> str:
    asked_by = _asked_by.get()
    _asked_by.set(name)
    return asked_by


async def test_a_call_sees_its_callers_context_and_leaves_it_as_it_was():
    _asked_by.set("alice")
    assert await _who_asks_then_answer_as("the database thread") == "alice"
    assert _asked_by.get() == "alice"


@in_database_thread
def _fail() -> None:
    raise LookupError("no such row")


async def test_an_error_in_the_thread_is_raised_in_the_caller():
    with pytest.raises(LookupError, match="no such row"):
        await _fail()


async def test_a_call_whose_caller_is_cancelled_still_runs_to_its_end():
    # The database thread is held busy, so the release below waits in its queue when its caller is cancelled.
    busy, release, done = threading.Event(), threading.Event(), []
    hold = asyncio.ensure_future(in_database_thread(lambda: busy.set() or release.wait(10))())
    assert await asyncio.to_thread(busy.wait, 10), "the database thread took the first call"
    caller = asyncio.ensure_future(in_database_thread(done.append)("lease released"))
    await asyncio.sleep(0)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller

    release.set()
    await hold
    await in_database_thread(done.append)("next call")
    assert done == ["lease released", "next call"]


async def test_a_call_that_fails_after_its_caller_was_cancelled_is_logged(caplog):
    busy, release = threading.Event(), threading.Event()
    hold = asyncio.ensure_future(in_database_thread(lambda: busy.set() or release.wait(10))())
    assert await asyncio.to_thread(busy.wait, 10)
    caller = asyncio.ensure_future(_fail())
    await asyncio.sleep(0)
    caller.cancel()

    release.set()
    await hold
    await in_database_thread(lambda: None)()  # the failed call has run by then, and its outcome reached the loop
    await asyncio.sleep(0)

    assert "failed after its caller was cancelled" in caplog.text and "no such row" in caplog.text
