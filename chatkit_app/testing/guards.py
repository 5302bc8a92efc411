"""What the guards hold, read back for tests: leases, open-stream counts, and the Redis clients to close."""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from chatkit_app.guards.limits import _streams_key
from chatkit_app.models import ThreadLease
from merak_project.runtime import counters


def lease_is_held(thread_id: str, user_id: str, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return ThreadLease.objects.filter(thread_id=thread_id, user_id=user_id, expires_at__gt=now).exists()


def open_streams(user_id: str) -> int:
    """How many streams the user has open, as counted."""
    return int(cache.get(_streams_key(user_id)) or 0)


async def close_redis_clients() -> None:
    """Close the limit counters' Redis clients of the running event loop, before it stops."""
    for chosen in list(counters._native.values()):
        if isinstance(chosen, counters.RedisCounters):
            await chosen.close()
