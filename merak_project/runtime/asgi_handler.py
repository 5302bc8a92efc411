"""Django's ASGI handler with each request's thread-sensitive work on a few long-lived threads (see the class)."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler


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
