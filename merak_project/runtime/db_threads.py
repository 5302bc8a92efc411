"""Where the store's ORM calls run: long-lived threads that keep their connections, new requests first.

Django would otherwise run each request's ORM calls in a thread of its own,
opening a database connection per request, and on SQLite dozens of connections
would queue for the single write lock with sleep-and-retry. Here each worker
process has one thread by default (`MERAK_DB_THREADS`), holding its connection
for the life of the process. On SQLite one is what keeps writers from waiting
on each other; on a nearby PostgreSQL one measured best too, since more threads
mostly take the interpreter lock from each other and from the event loop. A
PostgreSQL server with round trips of a millisecond or more wants a few.

Under load these threads have a queue, and it is not first come, first served:
work a response is waiting on before its first byte (`ahead_of_streams()`)
goes before the work of responses already streaming. A new reply then starts
within milliseconds however many others are streaming, and the open streams,
whose users are already reading, give up that little time.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import contextvars
import functools
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Generic, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()

# Whether the current task's database work is on a response's way to its first byte.
_before_first_byte: ContextVar[bool] = ContextVar("merak_before_first_byte", default=False)


@contextmanager
def ahead_of_streams() -> Iterator[None]:
    """Database work started inside (and in tasks created inside) goes before that of open streams."""
    token = _before_first_byte.set(True)
    try:
        yield
    finally:
        _before_first_byte.reset(token)


async def back_in_line_after_first(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`stream`, whose database work stops going ahead once it has produced its first chunk.

    Iterate it in the task that produces the response (its context is the one changed).
    """
    async for chunk in stream:
        _before_first_byte.set(False)
        yield chunk


class DatabaseThreads(Executor):
    """A fixed set of threads running submitted calls, those submitted `ahead_of_streams()` first.

    Not strictly first: after `AHEAD_RUN` calls in a row that went ahead, one
    waiting behind runs, so a flood of new requests slows the open streams
    but never stops them.
    """

    AHEAD_RUN = 4

    def __init__(self, threads: int, name: str = "merak-db") -> None:
        self.threads = threads
        # Jobs: calls that report their own outcome (to a `Future`, or to the event loop awaiting them).
        self._ahead: deque[Callable[[], None]] = deque()
        self._behind: deque[Callable[[], None]] = deque()
        self._ahead_run = 0  # calls taken from `_ahead` since one was taken from `_behind`
        self._stopping = False
        self._ready = threading.Condition()
        self._workers = [threading.Thread(target=self._work, name=f"{name}_{n}", daemon=True) for n in range(threads)]
        for worker in self._workers:
            worker.start()
        # Daemon threads, so that they never hold the interpreter open; but what is queued is
        # written before the process exits.
        atexit.register(self.shutdown)

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
        future: Future[R] = Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

        self.run_soon(job)
        return future

    def run_soon(self, job: Callable[[], None]) -> None:
        """Queue `job`, which must report its own outcome and raise nothing (`submit` wraps a `Future` around)."""
        line = self._ahead if _before_first_byte.get() else self._behind
        with self._ready:
            if self._stopping:
                raise RuntimeError("cannot run database work after shutdown")
            line.append(job)
            self._ready.notify()

    def _take(self) -> Callable[[], None] | None:
        with self._ready:
            while not (self._ahead or self._behind or self._stopping):
                self._ready.wait()
            if self._ahead and (not self._behind or self._ahead_run < self.AHEAD_RUN):
                self._ahead_run += 1
                return self._ahead.popleft()
            self._ahead_run = 0
            return self._behind.popleft() if self._behind else None  # None: stopping, all work done

    def _work(self) -> None:
        while (job := self._take()) is not None:
            job()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking work; the threads finish what is queued, then end."""
        with self._ready:
            self._stopping = True
            self._ready.notify_all()
        if wait:
            for worker in self._workers:
                worker.join()


_executor: DatabaseThreads | None = None


def thread_count() -> int:
    return max(1, settings.MERAK_DB_THREADS)


def _get_executor() -> DatabaseThreads:
    global _executor
    with _lock:
        if _executor is None:
            _executor = DatabaseThreads(thread_count())
        return _executor


def _with_healthy_connection(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        # What Django does at each request's start, minus the age limit: these
        # connections are meant to live long. A connection that failed and no
        # longer answers is dropped, and the next query reconnects.
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.connection is not None and connection.errors_occurred:
            if connection.get_autocommit() and connection.is_usable():
                connection.errors_occurred = False
            else:
                connection.close()
        return func(*args, **kwargs)

    return run


class _InDatabaseThread(Generic[P, R]):
    """An awaitable wrapper of a sync ORM function, run on the database threads.

    The hand-off is the least that keeps asgiref's `sync_to_async` guarantees
    that these calls use: the function sees the caller's context variables (a
    copy: what it sets stays in the thread), and cancelling the caller does
    not cancel the call, which still runs, in its turn, to its end (a lease's
    release must not be lost with its stream). `sync_to_async` also builds a
    wrapper per call, shields a second future and copies every context
    variable back after it; here the thread settles the awaited future
    itself, with no `concurrent.futures.Future` (and its lock and condition)
    between: 76 -> 43 µs of CPU a call (`bench/micro.py`), about eight calls a stream.
    """

    __wrapped__: Callable[P, R]  # the sync function itself (set by `update_wrapper`)

    def __init__(self, func: Callable[P, R]) -> None:
        self._func = _with_healthy_connection(func)
        functools.update_wrapper(self, func)

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[R] = loop.create_future()
        context, func = contextvars.copy_context(), self._func

        def job() -> None:
            try:
                result, error = context.run(func, *args, **kwargs), None
            except BaseException as exc:
                result, error = None, exc
            # A loop gone (a test's, a worker's at exit) has nobody waiting.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, waiter, result, error)

        _get_executor().run_soon(job)
        return await waiter


def _settle(waiter: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if waiter.cancelled():  # the caller was cancelled; the call ran all the same, and nobody else hears how
        if error is not None:
            logger.warning("a database call failed after its caller was cancelled", exc_info=error)
        return
    if error is None:
        waiter.set_result(result)
    else:
        waiter.set_exception(error)


def in_database_thread(func: Callable[P, R]) -> _InDatabaseThread[P, R]:
    """Decorate a sync ORM function: calling it returns an awaitable run on the database threads."""
    return _InDatabaseThread(func)


def stop() -> None:
    """Let the database threads finish their queued work, close their connections and end.

    For a graceful shutdown, and in tests before the test database is dropped; the
    next database call starts them again.
    """
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is None:
        return
    # Each worker closes its own connection: a barrier makes every thread take one job.
    workers = executor.threads
    barrier = threading.Barrier(workers)

    def close() -> None:
        barrier.wait(timeout=10)
        connections.close_all()

    for future in [executor.submit(close) for _ in range(workers)]:
        future.result()
    executor.shutdown()
