"""What `/healthz` reports: whether the services Merak depends on answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from django.core.cache import cache
from django.db import DatabaseError, connection

from merak_project.runtime.counters import cache_work
from merak_project.runtime.db_threads import in_database_thread

logger = logging.getLogger(__name__)

# A load balancer's probe gets its answer within this, whatever the database or cache is doing.
CHECK_SECONDS = 1.5


@in_database_thread
def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        logger.warning("health check: the database is unreachable", exc_info=True)
        return False


@cache_work
def cache_ok() -> bool:
    """Whether the cache (rate limits, open streams) takes a value and gives it back."""
    try:
        cache.set("merak:healthz", "ok", timeout=60)
        return cache.get("merak:healthz") == "ok"
    except Exception:  # each backend has its own connection errors (redis, pymemcache...)
        logger.warning("health check: the cache is unreachable", exc_info=True)
        return False


async def _within(seconds: float, check: Awaitable[bool], name: str) -> bool:
    """The check's answer, or False if it has none within `seconds` (a probe must not hang)."""
    try:
        return await asyncio.wait_for(check, seconds)
    except TimeoutError:
        logger.warning("health check: the %s did not answer within %s s", name, seconds)
        return False


async def report() -> tuple[bool, dict[str, str]]:
    """(all healthy, a status per dependency), within `CHECK_SECONDS`."""
    database, cache_ = await asyncio.gather(
        _within(CHECK_SECONDS, database_ok(), "database"), _within(CHECK_SECONDS, cache_ok(), "cache")
    )
    return database and cache_, {
        "database": "ok" if database else "unreachable",
        "cache": "ok" if cache_ else "unreachable",
    }
