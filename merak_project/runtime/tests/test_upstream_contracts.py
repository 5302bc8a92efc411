"""What Merak relies on inside Django, asgiref and the ChatKit SDK: each test fails, saying what to recheck,
when an upgrade changes something an override or a speed-up depends on."""

from __future__ import annotations

import asyncio
import inspect
import threading

import pytest
from asgiref.sync import ThreadSensitiveContext
from chatkit import agents as chatkit_agents
from chatkit.server import ChatKitServer
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_started

from chatkit_app.store import rows
from chatkit_app.testing.protocol import user_input
from merak_project.runtime import asgi_handler, chatkit_sdk
from merak_project.runtime.asgi_handler import PooledThreadASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


def test_django_asgi_handler_still_runs_each_request_in_a_thread_sensitive_context():
    source = inspect.getsource(ASGIHandler.__call__)
    assert "ThreadSensitiveContext()" in source and "self.handle(scope, receive, send)" in source, (
        "Django's ASGIHandler.__call__ changed: recheck PooledThreadASGIHandler (merak_project/asgi.py), "
        "which replaces it to hand ThreadSensitiveContext a pooled executor."
    )
    assert "executor" in inspect.signature(ThreadSensitiveContext).parameters, (
        "asgiref's ThreadSensitiveContext takes no executor any more: PooledThreadASGIHandler needs asgiref >= 3.13."
    )


async def test_a_request_sync_work_runs_on_the_pooled_request_threads():
    """Django's `request_started` receivers run on the request's sync thread: one of the pool's, not a new one."""
    seen: list[str] = []

    def record(**kwargs) -> None:
        seen.append(threading.current_thread().name)

    handler = PooledThreadASGIHandler(threads=2)
    request_started.connect(record)
    try:
        for _ in range(3):
            await _get(handler, "/healthz")
    finally:
        request_started.disconnect(record)
    assert len(seen) == 3 and all(name.startswith("django-request") for name in seen), (
        f"request sync work ran on {seen}: Django no longer honours PooledThreadASGIHandler's executor"
    )


def test_django_still_connects_the_request_started_receivers_merak_stands_in_for():
    import django.db
    import django.test.client
    import django.test.utils

    source = inspect.getsource(django.db)
    for receiver in ("reset_queries", "close_old_connections"):
        assert f"signals.request_started.connect({receiver})" in source, (
            f"Django no longer connects {receiver} to request_started: recheck asgi_handler.started "
            "(merak_project/runtime/asgi_handler.py), which stands in for Django's receivers."
        )
    for module, receiver in ((django.test.client, "close_old_connections"), (django.test.utils, "reset_queries")):
        assert f"request_started.disconnect({receiver})" in inspect.getsource(module), (
            f"{module.__name__} no longer takes {receiver} off around what it does: recheck asgi_handler.started, "
            "which does nothing for Django's test clients' requests because of it."
        )


async def test_an_api_request_starts_without_a_thread_hop_and_any_other_as_django_does(monkeypatch, async_client):
    calls: list[str] = []

    def recorded() -> None:
        calls.append(threading.current_thread().name)

    monkeypatch.setattr(asgi_handler, "_as_django_does", recorded)
    asgi_handler.apply()  # again: Django's test tools elsewhere may have connected its receivers back
    sync_receivers, _ = request_started._live_receivers(PooledThreadASGIHandler)
    assert sync_receivers == [], f"sync request_started receivers would cost every request a hop: {sync_receivers}"
    handler = PooledThreadASGIHandler(threads=1)

    assert await _get(handler, "/healthz") == 200
    assert calls == [], "an API request ran request_started's receivers"
    assert await _get(handler, "/admin/login/") == 200
    assert calls == ["django-request_0"], "a page request must reset and close on its thread, as Django does"
    await async_client.get("/admin/login/")
    await request_started.asend(sender=None)  # sent by something that is no handler: let be
    assert calls == ["django-request_0"], "Django's test clients see to these receivers themselves"


async def _get(app, path: str) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
    }
    sent: list[dict] = []
    messages = iter([{"type": "http.request", "body": b"", "more_body": False}])

    async def receive() -> dict:
        message = next(messages, None)
        if message is None:
            await asyncio.Event().wait()  # the client stays connected
        return message

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"]


@pytest.mark.parametrize(
    "name", ["_process_streaming", "_process_streaming_impl", "_serialize", "_process_non_streaming"]
)
def test_the_sdk_server_methods_merak_uses_still_exist(name):
    method = getattr(ChatKitServer, name, None)
    assert method is not None, (
        f"ChatKitServer.{name} is gone: recheck LeanChatKitServer (merak_project/runtime/chatkit_sdk.py)."
    )
    if name != "_serialize":
        assert list(inspect.signature(method).parameters) == ["self", "request", "context"], (
            f"ChatKitServer.{name} changed its signature: recheck merak_project/runtime/chatkit_sdk.py."
        )


def test_the_sdk_still_merges_run_events_through_the_function_merak_fixes():
    assert "async def _merge_generators(" in inspect.getsource(chatkit_agents), "merak_project/runtime/chatkit_sdk.py"
    assert "_merge_generators" in chatkit_agents.stream_agent_response.__code__.co_names, (
        "stream_agent_response no longer merges through chatkit.agents._merge_generators: "
        "recheck merak_project/runtime/chatkit_sdk.py (it may be fixed upstream, or need a new fix)."
    )
    assert chatkit_agents._merge_generators is chatkit_sdk.merge_generators, (
        "chatkit_sdk.apply() did not run at start-up"
    )


def test_the_agents_sdk_still_names_a_runs_agents_through_the_function_merak_replaces():
    import agents._run_state_agent_identity as identity
    from agents import Agent
    from agents.run_internal import tool_use_tracker
    from agents.sandbox import runtime_session_manager

    from agents_app.planner import new_trip_planner
    from merak_project.runtime import agents_sdk

    for module in (tool_use_tracker, runtime_session_manager):
        assert "_build_agent_identity_keys_by_id" in vars(module), (
            f"{module.__name__} no longer names agents through _build_agent_identity_keys_by_id: "
            "recheck merak_project/runtime/agents_sdk.py (it may be fixed upstream, or need a new fix)."
        )
    assert identity._build_agent_identity_map is agents_sdk.build_agent_identity_map, (
        "agents_sdk.apply() did not run at start-up"
    )
    twins = [Agent(name="Twin", instructions="b"), Agent(name="Twin", instructions="c")]
    for agent in (new_trip_planner(None, None), Agent(name="A", handoffs=twins)):
        assert agents_sdk.build_agent_identity_map(agent) == agents_sdk._sdk_build_agent_identity_map(agent), (
            "Merak's agent identity map differs from the SDK's: recheck merak_project/runtime/agents_sdk.py"
        )


async def test_a_reply_reads_its_thread_from_the_database_once(create_thread, chatkit, monkeypatch):
    """The SDK's agent integration reads the thread's newest items again as it starts; the store answers
    that read from the run's own history (`DjangoStore.remember_newest_items`)."""
    thread_id, _ = await create_thread()
    reads = []
    load = rows.load_thread_items

    async def counted(*args):
        reads.append(args)
        return await load(*args)

    monkeypatch.setattr(rows, "load_thread_items", counted)
    request = {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": user_input("4 days")}}

    reply = await chatkit(request)

    assert reply.status == 200 and reply.assistant_text
    assert len(reads) == 1, (
        f"a reply read its thread {len(reads)} times: the SDK's stream_agent_response no longer reads what "
        "remember_newest_items serves (chatkit_app/store/django_store.py)"
    )
