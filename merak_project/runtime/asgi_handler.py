"""Django's ASGI handler with each request's thread-sensitive work on a few long-lived threads (see the class),
and `request_started`'s receivers kept off the API's requests (`apply`)."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import close_old_connections, reset_queries

from merak_project.runtime.api_middleware import is_api_path


class PooledThreadASGIHandler(ASGIHandler):
    """Django's ASGI handler, with each request's thread-sensitive work on one of a few long-lived threads.

    Django runs a request's sync parts (its `request_started` and
    `request_finished` signals, `response.close()`, sync views) in a thread
    of the request's own: asgiref starts that thread for every request, and
    another one to join it afterwards, and `Thread.start()` waits on the
    event loop while each starts. Handing `ThreadSensitiveContext` an
    executor keeps a request's sync work on one thread, as before, without
    creating any. (`ASGIHandler` is Django's internal class: recheck this
    override when upgrading Django.)
    """

    def __init__(self, threads: int = 4) -> None:
        super().__init__()
        pool = [ThreadPoolExecutor(max_workers=1, thread_name_prefix="django-request") for _ in range(threads)]
        self._executors = itertools.cycle(pool)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        async with ThreadSensitiveContext(executor=next(self._executors)):
            await self.handle(scope, receive, send)


def apply() -> None:
    """Connect `started` to `request_started` in place of Django's two receivers (idempotent)."""
    request_started.disconnect(reset_queries)
    request_started.disconnect(close_old_connections)
    request_started.connect(started, dispatch_uid="merak.request_started")


async def started(sender: Any, scope: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Django's `request_started` receivers, `reset_queries` and `close_old_connections`, except on the API.

    Both are sync, so Django sends the signal through a thread hop to the
    request's thread, whose database connections they reset and close. An API
    request never uses those connections (its queries run on the database
    threads, `db_threads`), and the hop costs it 100-150 µs of CPU
    (`bench/micro.py`: 887 -> 788 µs a request). This receiver is async:
    on the API it does nothing; on any other path it makes the same hop and
    runs both, as Django would.

    For Django's own handlers only. Its test tools take these receivers off
    and put them back themselves (the test clients `close_old_connections`,
    so as not to close a test's transaction; `CaptureQueriesContext`
    `reset_queries`, so as to count a request's queries), and put Django's
    back beside this one: for a test client's request this does nothing.
    """
    handler = sender if isinstance(sender, type) else type(sender)
    if not issubclass(handler, ASGIHandler | WSGIHandler):
        return
    if issubclass(handler, ASGIHandler) and _on_the_api(scope or {}):
        return
    await sync_to_async(_as_django_does, thread_sensitive=True)()


def _on_the_api(scope: dict[str, Any]) -> bool:
    path: str = scope.get("path", "")
    return is_api_path(path.removeprefix(scope.get("root_path", "")))


def _as_django_does() -> None:
    reset_queries()
    close_old_connections()
