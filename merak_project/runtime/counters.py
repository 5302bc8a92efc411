"""The counters behind the per-user limits, as awaitable primitives, one cache round trip each.

`counters_for_default_cache()` picks them for Django's default cache:

- Redis (django-redis, what `CACHE_URL=redis://...` gives): `RedisCounters`,
  which talk to the same server through redis-py's asyncio client, on the
  event loop. Each primitive is one round trip (a Lua script where it takes
  several commands), instead of one to three blocking calls on a worker
  thread.
- Any other cache: `CacheCounters`, through Django's cache API, inline for a
  cache in this process's memory and on a worker thread otherwise
  (`cache_work`).

Both keep the counters under the keys Django's cache would use, as plain
integers, so `cache.get()` (diagnostics, tests) reads what either wrote.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.core.cache import BaseCache, cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache

if TYPE_CHECKING:  # imported when first used (see `RedisCounters._client`)
    import redis.asyncio

P = ParamSpec("P")
R = TypeVar("R")

# Without timeouts of its own in the cache's OPTIONS, a Redis that stopped
# answering would hold every request at its limit check.
DEFAULT_REDIS_TIMEOUT_SECONDS = 1.0
DEFAULT_CLIENT = "django_redis.client.DefaultClient"


def cache_work(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`func`, a few sync cache calls, as a coroutine function that never blocks the event loop.

    With a network cache it runs on a worker thread (the default executor
    rather than the request's single sync thread). With the cache in this
    process's memory it runs inline: a dictionary update under a lock held for
    microseconds waits for nothing, and a thread hop would cost far more than
    the work.
    """
    off_loop = sync_to_async(func, thread_sensitive=False)

    @functools.wraps(func)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        if isinstance(caches["default"], (LocMemCache, DummyCache)):
            return func(*args, **kwargs)
        return await off_loop(*args, **kwargs)

    return call


def _increment(key: str, timeout: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # absent (or just expired)
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)  # another request created it meanwhile


def _add_to_slots(key: str, timeout: int) -> int:
    count = _increment(key, timeout)
    cache.touch(key, timeout)
    return count


def _take_back(key: str) -> None:
    with suppress(ValueError):  # raised when the counter lapsed: then there is nothing to take back
        if cache.decr(key) < 0:  # the counter lapsed and was recreated meanwhile
            cache.delete(key)


class CacheCounters:
    """The primitives through Django's cache API (any backend)."""

    # Add one to a counter created with `timeout` when absent; the new count.
    add_to_window = staticmethod(cache_work(_increment))
    # Add one to a counter and give it `timeout` from now; the new count.
    add_to_slots = staticmethod(cache_work(_add_to_slots))
    # Give a counter `timeout` from now.
    touch = staticmethod(cache_work(lambda key, timeout: cache.touch(key, timeout)))
    # Take one from a counter, never below zero; nothing if it lapsed.
    take_back = staticmethod(cache_work(_take_back))


class RedisCounters:
    """The same primitives on a Redis server, through redis-py's asyncio client."""

    def __init__(self, url: str, options: dict[str, Any], make_key: Callable[[str], str]) -> None:
        self._url = url
        self._options = options
        self._make_key = make_key
        # redis.asyncio connections belong to the event loop that opened them: a
        # server has one; tests run one per test, and one in a live server's thread.
        self._clients: dict[asyncio.AbstractEventLoop, redis.asyncio.Redis] = {}

    def _client(self) -> redis.asyncio.Redis:
        import redis.asyncio

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            for gone in [other for other in self._clients if other.is_closed()]:
                del self._clients[gone]
            client = self._clients[loop] = redis.asyncio.Redis.from_url(self._url, **self._options)
        return client

    async def close(self) -> None:
        """Close the running event loop's client (its connections would otherwise outlive the loop)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    def _key(self, key: str) -> str:
        # Django's name for the key (KEY_PREFIX, VERSION), so that `cache.get()` finds it.
        return str(self._make_key(key))

    # Each counter moves in one Lua script: one command and one reply, where a MULTI/EXEC pipeline
    # of the same two commands has four replies and costs the client twice the CPU (147 -> 79 µs, `bench/micro.py`).
    async def add_to_window(self, key: str, timeout: int) -> int:
        return int(await self._client().eval(_ADD_TO_WINDOW, 1, self._key(key), timeout))

    async def add_to_slots(self, key: str, timeout: int) -> int:
        return int(await self._client().eval(_ADD_TO_SLOTS, 1, self._key(key), timeout))

    async def touch(self, key: str, timeout: int) -> None:
        await self._client().expire(self._key(key), timeout)

    async def take_back(self, key: str) -> None:
        # Decrement only an existing counter, and never below zero: one round trip, atomic.
        await self._client().eval(_TAKE_BACK, 1, self._key(key))


# A window's counter starts at 0 and expires `timeout` after its first count; later counts keep its expiry.
_ADD_TO_WINDOW = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
return redis.call('INCR', KEYS[1])
"""

# Open streams' counter: each new stream pushes its expiry back (a crashed worker's slots lapse).
_ADD_TO_SLOTS = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return count
"""

_TAKE_BACK = """
local count = redis.call('GET', KEYS[1])
if count and tonumber(count) > 0 then
  return redis.call('DECR', KEYS[1])
end
redis.call('DEL', KEYS[1])
return 0
"""


def _redis_location(django_cache: BaseCache, config: dict) -> tuple[str, dict] | None:
    """The primary server's URL and client options, when the cache is a plain django-redis one."""
    if not isinstance(django_cache, RedisCache):
        return None
    options = config.get("OPTIONS") or {}
    # Sentinel, sharded or otherwise custom clients keep to the generic path.
    if options.get("CLIENT_CLASS", DEFAULT_CLIENT) != DEFAULT_CLIENT:
        return None
    location = config.get("LOCATION")
    servers = location.split(",") if isinstance(location, str) else list(location or [])
    if not servers:
        return None
    client_options = {
        "password": options.get("PASSWORD"),
        "socket_connect_timeout": options.get("SOCKET_CONNECT_TIMEOUT", DEFAULT_REDIS_TIMEOUT_SECONDS),
        "socket_timeout": options.get("SOCKET_TIMEOUT", DEFAULT_REDIS_TIMEOUT_SECONDS),
    }
    # The first server is the one django-redis writes to.
    return servers[0].strip(), {name: value for name, value in client_options.items() if value is not None}


# The counters for the configured cache, by its configuration (tests swap CACHES). Chosen once: Django's
# `caches["default"]` is a new cache object in each request's context: 12 µs, against 1.5 (`bench/micro.py`).
_native: dict[str, type[CacheCounters] | RedisCounters] = {}


def counters_for_default_cache() -> type[CacheCounters] | RedisCounters:
    from django.conf import settings

    config = settings.CACHES.get("default", {})
    signature = repr(config)
    counters = _native.get(signature)
    if counters is None:
        _native.clear()  # only the current configuration is ever used
        django_cache = caches["default"]
        found = _redis_location(django_cache, config)
        counters = _native[signature] = CacheCounters if found is None else RedisCounters(*found, django_cache.make_key)
    return counters
