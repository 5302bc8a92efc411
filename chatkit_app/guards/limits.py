"""Per-user limits on `/chatkit`: requests per time window, and streams open at once.

Counted in Django's default cache (`merak_project.runtime.counters`), so every worker sharing that
cache (Redis through `CACHE_URL`) shares the counts; local memory counts per
process. When the cache itself fails, requests are let through and the
failure is logged: losing the limits for a while is better than refusing
every user.
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings

from chatkit_app.protocol.errors import ApiError
from merak_project.runtime.counters import counters_for_default_cache

logger = logging.getLogger(__name__)

# An open stream renews its slot this often (see `leases.StreamGuard`), and a slot
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


async def count_request(user_id: str, *, now: float | None = None) -> None:
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
        count = await counters_for_default_cache().add_to_window(_rate_key(user_id, window), seconds + 1)
    except Exception:  # each backend has its own connection errors
        logger.warning("rate limit not checked: the cache failed", exc_info=True)
        return
    if count > limit:
        raise RateLimited(
            f"Too many requests: at most {limit} every {seconds} seconds.",
            retry_after=math.ceil((window + 1) * seconds - now),
        )


async def take_stream_slot(user_id: str) -> bool:
    """Open one of the user's stream slots; `RateLimited` when all are taken. True if a slot was counted."""
    limit = settings.MERAK_MAX_OPEN_STREAMS_PER_USER
    if limit <= 0:
        return False
    try:
        count = await counters_for_default_cache().add_to_slots(_streams_key(user_id), STREAM_SLOT_SECONDS)
    except Exception:
        logger.warning("open streams not counted: the cache failed", exc_info=True)
        return False
    if count > limit:
        await give_back_stream_slot(user_id)
        raise RateLimited(
            f"Too many open streams: at most {limit} at once.",
            retry_after=STREAM_RETRY_AFTER_SECONDS,
            code="too_many_streams",
        )
    return True


async def renew_stream_slots(user_id: str) -> None:
    """Keep the user's slot counter alive while one of their streams runs."""
    try:
        await counters_for_default_cache().touch(_streams_key(user_id), STREAM_SLOT_SECONDS)
    except Exception:
        logger.warning("stream slots not renewed: the cache failed", exc_info=True)


async def give_back_stream_slot(user_id: str) -> None:
    try:
        await counters_for_default_cache().take_back(_streams_key(user_id))
    except Exception:
        logger.warning("stream slot not given back: the cache failed", exc_info=True)
