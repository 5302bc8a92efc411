"""Per-user limits on `/chatkit`: requests per time window, and streams open at once.

Counted in Django's default cache, so every worker sharing that cache (Redis
through `CACHE_URL`) shares the counts; local memory counts per process. When
the cache itself fails, requests are let through and the failure is logged:
losing the limits for a while is better than refusing every user.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

from .errors import ApiError

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# An open stream renews its slot this often (see `stream_guard`), and a slot
# counter nobody renews expires: a worker that dies mid-stream frees its
# users' slots within this time.
STREAM_SLOT_SECONDS = 60
# What a 429 for too many open streams suggests waiting.
STREAM_RETRY_AFTER_SECONDS = 5


class RateLimited(ApiError):
    status, code = 429, "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code, headers={"Retry-After": str(max(1, retry_after))})


def _rate_key(user_id: str, window: int) -> str:
    return f"merak:rate:{user_id}:{window}"


def _streams_key(user_id: str) -> str:
    return f"merak:streams:{user_id}"


def _increment(key: str, timeout: int) -> int:
    """Add one to a counter, creating it with `timeout` when absent (atomic on Redis and in memory)."""
    try:
        return cache.incr(key)
    except ValueError:  # absent (or just expired)
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)  # another request created it meanwhile


def count_request(user_id: str, *, now: float | None = None) -> None:
    """Count one request; `RateLimited` once the user is over `MERAK_RATE_LIMIT_REQUESTS` in this window.

    Fixed windows: cheap (one cache round trip), and a burst at a window's
    edge can reach twice the limit, which is fine for a guard against abuse.
    """
    limit, seconds = settings.MERAK_RATE_LIMIT_REQUESTS, settings.MERAK_RATE_LIMIT_WINDOW_SECONDS
    if limit <= 0 or seconds <= 0:
        return
    now = time.time() if now is None else now
    window = int(now // seconds)
    try:
        count = _increment(_rate_key(user_id, window), seconds + 1)
    except Exception:
        logger.warning("rate limit not checked: the cache failed", exc_info=True)
        return
    if count > limit:
        raise RateLimited(
            f"Too many requests: at most {limit} every {seconds} seconds.",
            retry_after=math.ceil((window + 1) * seconds - now),
        )


def take_stream_slot(user_id: str) -> bool:
    """Open one of the user's stream slots; `RateLimited` when all are taken. True if a slot was counted."""
    limit = settings.MERAK_MAX_OPEN_STREAMS_PER_USER
    if limit <= 0:
        return False
    key = _streams_key(user_id)
    try:
        count = _increment(key, STREAM_SLOT_SECONDS)
        cache.touch(key, STREAM_SLOT_SECONDS)
    except Exception:
        logger.warning("open streams not counted: the cache failed", exc_info=True)
        return False
    if count > limit:
        _decrement(key)
        raise RateLimited(
            f"Too many open streams: at most {limit} at once.",
            retry_after=STREAM_RETRY_AFTER_SECONDS,
            code="too_many_streams",
        )
    return True


def renew_stream_slots(user_id: str) -> None:
    """Keep the user's slot counter alive while one of their streams runs."""
    try:
        cache.touch(_streams_key(user_id), STREAM_SLOT_SECONDS)
    except Exception:
        logger.warning("stream slots not renewed: the cache failed", exc_info=True)


def give_back_stream_slot(user_id: str) -> None:
    _decrement(_streams_key(user_id))


def open_streams(user_id: str) -> int:
    """How many streams the user has open, as counted (for tests and diagnostics)."""
    return int(cache.get(_streams_key(user_id)) or 0)


def _decrement(key: str) -> None:
    try:
        if cache.decr(key) < 0:  # the counter lapsed and was recreated meanwhile
            cache.delete(key)
    except ValueError:
        pass  # the counter lapsed: nothing to give back
    except Exception:
        logger.warning("stream slot not given back: the cache failed", exc_info=True)


def cache_work(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`func`, a few sync cache calls, as a coroutine function that never blocks the event loop.

    With a network cache (Redis) it runs on a worker thread (the default
    executor rather than the request's single sync thread). With the cache in
    this process's memory it runs inline: a dictionary update under a lock
    held for microseconds waits for nothing, and a thread hop would cost far
    more than the work.
    """
    off_loop = sync_to_async(func, thread_sensitive=False)

    @functools.wraps(func)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        if isinstance(caches["default"], (LocMemCache, DummyCache)):
            return func(*args, **kwargs)
        return await off_loop(*args, **kwargs)

    return call


acount_request = cache_work(count_request)
