"""Fixtures for the ChatKit surface: protocol calls through the real view, a real server."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager

import pytest
import uvicorn
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

from chatkit_app.runs import signals
from chatkit_app.testing.guards import close_redis_clients
from chatkit_app.testing.protocol import (
    REDIS_URL,
    ChatKitReply,
    local,
    parse_sse,
    proxy_headers,
    redis_reachable,
    user_input,
)
from chatkit_app.testing.servers import free_port
from merak_project.runtime import db_threads
from merak_project.runtime.db_threads import in_database_thread


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no requests or open streams counted (the local-memory cache outlives tests)."""
    cache.clear()


@pytest.fixture
async def close_counter_clients():
    """Close the Redis counters' connections opened on this test's event loop, before it closes."""
    yield
    await close_redis_clients()


@pytest.fixture
def redis_cache(settings, close_counter_clients):
    """The default cache on Redis (django-redis, what CACHE_URL=redis://... gives), under a key prefix of its own."""
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"merak-test-{uuid.uuid4().hex}",
        }
    }
    yield
    cache.clear()


@pytest.fixture(params=["locmem", "redis"])
def any_cache(request):
    """The default cache as local memory, then as Redis."""
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
    return request.param


@pytest.fixture
def unreachable_cache(settings, close_counter_clients):
    """The default cache pointing at a Redis nobody listens on."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    """Uploaded files go to this test's own folder, on the file system."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path


@pytest.fixture
def attach(chatkit, async_client, media_in_tmp):
    """Register an attachment through the protocol and upload `data` to its signed URL (unless None);
    the attachment as `attachments.create` answered it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    async def attach(name: str, mime_type: str, data: bytes | None, user: str = "alice") -> dict:
        params = {"name": name, "size": len(data or b""), "mime_type": mime_type}
        created = await chatkit({"type": "attachments.create", "params": params}, user=user)
        assert created.status == 200, created.body
        if data is not None:
            upload = SimpleUploadedFile(name, data, mime_type)
            response = await async_client.post(local(created.json["upload_descriptor"]["url"]), {"file": upload})
            assert response.status_code == 200, response.content
        return created.json

    return attach


@pytest.fixture
async def own_signal_listener():
    """This test's event loop listens for signals between workers (`runs.signals`) until the test ends."""
    yield
    await signals.stop_listening()


@pytest.fixture
def chatkit(async_client, transactional_db, own_signal_listener):
    """POST a ChatKit request (dict, or raw bytes) to /chatkit; the whole reply.

    As `user` through the trusted-proxy credentials, unless `headers` are
    given: then exactly those (a client secret's `bearer()`, or none at all).
    """

    async def call(
        request: dict | bytes | str, user: str = "alice", headers: dict[str, str] | None = None
    ) -> ChatKitReply:
        body = request if isinstance(request, (bytes, str)) else json.dumps(request)
        sent = proxy_headers(user) if headers is None else headers
        response = await async_client.post("/chatkit", data=body, content_type="application/json", headers=sent)
        if response.streaming:
            raw = b"".join([chunk async for chunk in response.streaming_content])
        else:
            raw = response.content
        reply = ChatKitReply(response.status_code, dict(response.headers), raw)
        if response.headers.get("Content-Type", "").startswith("text/event-stream"):
            reply.events = parse_sse(raw)
        return reply

    return call


@pytest.fixture
def issue_token(transactional_db):
    """Issue a real client secret for a user (through the token service); `changes` edit its row after."""
    from asgiref.sync import sync_to_async

    from chatkit_app import models
    from chatkit_app.identity import tokens

    @sync_to_async
    def issue(user: str = "alice", **changes) -> str:
        issued = tokens.issue(user)
        if changes:
            models.ClientToken.objects.filter(pk=issued.token.pk).update(**changes)
        return issued.client_secret

    return issue


@pytest.fixture
def create_thread(chatkit):
    """Create a thread from one user message; returns (thread id, reply)."""

    async def create(text: str = "3 days in Lisbon from 2027-03-12", user: str = "alice") -> tuple[str, ChatKitReply]:
        reply = await chatkit(
            {
                "type": "threads.create",
                "params": {"input": user_input(text)},
            },
            user=user,
        )
        assert reply.status == 200, reply.body
        return reply.of_type("thread.created")[0]["thread"]["id"], reply

    return create


@contextmanager
def serving(application) -> Iterator[str]:
    """`application` served by uvicorn on a real socket, in a thread of this process; its base URL."""
    port = free_port()
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)

    async def serve() -> None:
        await server.serve()
        await signals.stop_listening()
        await close_redis_clients()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def asgi_server(transactional_db) -> Iterator[str]:
    """The project's ASGI application served by uvicorn on a real socket; yields its base URL."""
    from merak_project.asgi import application

    with serving(application) as base_url:
        yield base_url


@pytest.fixture
def queries(settings):
    """Capture the queries the store runs (on one database thread, so that all of them are seen)."""
    settings.MERAK_DB_THREADS = 1
    db_threads.stop()  # the next store call starts the executor with one thread
    on_db_thread = in_database_thread(lambda method, *args: method(*args))  # on that thread's connection

    @asynccontextmanager
    async def capture():
        captured = await on_db_thread(lambda: CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]))
        await on_db_thread(captured.__enter__)
        try:
            yield captured
        finally:
            await on_db_thread(captured.__exit__, None, None, None)

    return capture
