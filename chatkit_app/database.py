"""Where the store's ORM calls run: a few long-lived threads that keep their connections.

Django would otherwise run each request's ORM calls in a thread of its own,
opening a database connection per request, and on SQLite dozens of connections
would queue for the single write lock with sleep-and-retry. Here SQLite gets
one thread (writes never contend inside a process) and PostgreSQL a handful
(`MERAK_DB_THREADS`), each holding its connection for the life of the process.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def thread_count() -> int:
    if settings.MERAK_DB_THREADS:
        return settings.MERAK_DB_THREADS
    is_sqlite = connections[DEFAULT_DB_ALIAS].vendor == "sqlite"
    return 1 if is_sqlite else 4


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=thread_count(), thread_name_prefix="merak-db")
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


class _InDatabaseThread:
    """An awaitable wrapper of a sync ORM function, run on the database threads."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self._func = _with_healthy_connection(func)
        functools.update_wrapper(self, func)

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return await sync_to_async(self._func, thread_sensitive=False, executor=_get_executor())(*args, **kwargs)


def in_database_thread(func: Callable[P, R]) -> Callable[P, Any]:
    """Decorate a sync ORM function: calling it returns an awaitable run on the database threads."""
    return _InDatabaseThread(func)


def close_connections() -> None:
    """Close the database threads' connections (tests, before the test database is dropped)."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is None:
        return
    # Each worker closes its own connection: a barrier makes every thread take one job.
    workers = executor._max_workers
    barrier = threading.Barrier(workers)

    def close() -> None:
        barrier.wait(timeout=10)
        connections.close_all()

    for future in [executor.submit(close) for _ in range(workers)]:
        future.result()
    executor.shutdown()
