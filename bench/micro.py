#!/usr/bin/env python
"""Each of this round's per-stream cuts, in isolation, against what it replaced: CPU per call.

Builds the app in this process on a fresh PostgreSQL database and the
benchmark's Redis database (as bench/round_trips.py does), then times, in
alternating rounds, each pair: the way before (written here as it was) and
the way the code does it now. Then the floor of a round trip: the hand-off
alone, the simplest statement, one Redis command, and what a stream's round
trips come to at that floor. Times are process CPU (`time.process_time`) per
call, medians of the rounds with min and max.

    .venv/bin/python bench/micro.py [--calls 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import contextvars
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402

Pair = tuple[str, Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]]

# What a `threads.create` stream sends, at least (bench/round_trips.py): PostgreSQL statements (the secret's
# SELECT, the lease's INSERT and DELETE, the thread's two upserts, the items' two, the usage row) and Redis
# commands (the rate count, the stream slot taken and given back).
STATEMENTS_A_STREAM, REDIS_COMMANDS_A_STREAM = 8, 3


async def pairs() -> list[Pair]:
    """(what, before, now): coroutine functions doing one call each."""
    from asgiref.sync import sync_to_async
    from chatkit.types import AssistantMessageContent, AssistantMessageItem
    from django.core.cache import caches
    from django.utils import timezone

    from chatkit_app import models
    from chatkit_app.identity import tokens
    from chatkit_app.store import rows, sql
    from merak_project.runtime import counters, db_threads

    def nothing() -> None:
        return None

    handed_off = db_threads.in_database_thread(nothing)

    async def asgiref_hand_off() -> None:
        run = sync_to_async(nothing, thread_sensitive=False, executor=db_threads._get_executor())  # type: ignore[call-overload]
        await run()

    secret = (await db_threads.in_database_thread(tokens.issue)("bench-user")).client_secret

    def orm_resolve() -> str:  # tokens.resolve as the ORM compiled it
        now = timezone.now()
        token = models.ClientToken.objects.filter(secret_hash=tokens.hash_secret(secret)).first()
        assert token is not None and token.revoked_at is None and token.expires_at > now
        if token.last_used_at is None or now - token.last_used_at >= tokens.LAST_USED_RESOLUTION:
            models.ClientToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user_id

    thread_id = f"thr_{uuid.uuid4().hex[:8]}"
    await db_threads.in_database_thread(models.Thread.objects.create)(
        thread_id=thread_id, user_id="alice", created_at=timezone.now(), data={}
    )
    for _ in range(3):
        item = AssistantMessageItem(
            id=f"msg_{uuid.uuid4().hex}",
            thread_id=thread_id,
            created_at=datetime.now(UTC),
            content=[AssistantMessageContent(text="word " * 50)],
        )
        await rows.upsert_item(thread_id, item, "alice")

    def orm_page() -> list[Any]:  # a page of items as the ORM compiled it
        found = models.Item.objects.filter(thread_id=thread_id, user_id="alice").order_by("created_at", "seq")
        return [rows._ITEM.validate_python(data) for data in found.values_list("data", flat=True)[:21]]

    def reply_row() -> models.Reply:  # as a reply's record builds it when its run ends
        return models.Reply(
            thread_id=thread_id, user_id="alice", item_id="msg_bench", request_type="threads.create",
            model="offline", offline=True, input_tokens=120, output_tokens=50, requests=1, first_token_ms=3,
            total_ms=40, outcome="done", started_at=timezone.now(),
        )  # fmt: skip

    redis_counters = counters.counters_for_default_cache()
    assert isinstance(redis_counters, counters.RedisCounters)

    async def pipelined_count() -> int:  # a rate window's count as a MULTI/EXEC pipeline
        async with redis_counters._client().pipeline(transaction=True) as pipe:
            pipe.set("merak:bench:window", 0, ex=60, nx=True)
            pipe.incr("merak:bench:window")
            _, count = await pipe.execute()
        return int(count)

    def in_a_new_context(func: Callable[[], Any]) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:  # as each request does: Django's cache objects are per context
            return contextvars.Context().run(func)

        return call

    return [
        ("hand-off to the database thread", asgiref_hand_off, handed_off),
        # Both sides of these on the database thread, as the store runs them.
        (
            "client secret resolved",
            db_threads.in_database_thread(orm_resolve),
            db_threads.in_database_thread(lambda: tokens.resolve(secret)),
        ),
        (
            "page of 3 items",
            db_threads.in_database_thread(orm_page),
            db_threads.in_database_thread(
                lambda: rows.load_thread_items.__wrapped__(thread_id, None, 20, "asc", "alice")
            ),
        ),
        (
            "a reply's usage row written",
            db_threads.in_database_thread(lambda: reply_row().save()),
            db_threads.in_database_thread(lambda: sql.insert(reply_row())),
        ),
        (
            "rate window counted in Redis",
            pipelined_count,
            lambda: redis_counters.add_to_window("merak:bench:window", 60),
        ),
        (
            "limit counters chosen",
            in_a_new_context(lambda: caches["default"].make_key("k")),
            in_a_new_context(counters.counters_for_default_cache),
        ),
    ]


async def floors() -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
    """The least a guard's or a stored row's round trip can cost the server: the drivers' own CPU for the
    simplest statement and command, with the hand-off the event loop needs (`db_threads`) for the statement."""
    from django.db import connection
    from django.utils import timezone

    from chatkit_app import models
    from merak_project.runtime import counters, db_threads

    thread_id = f"thr_{uuid.uuid4().hex[:8]}"
    await db_threads.in_database_thread(models.Thread.objects.create)(
        thread_id=thread_id, user_id="alice", created_at=timezone.now(), data={}
    )
    started = timezone.now()

    def statement() -> None:  # one row, its SQL and parameters ready: what is left is psycopg's and Django's cursor
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO chatkit_app_reply (thread_id, user_id, item_id, request_type, model, offline, "
                "input_tokens, cached_tokens, output_tokens, requests, tool_calls, total_ms, outcome, error_code, "
                "started_at) VALUES (%s, 'alice', '', 'threads.create', '', true, 0, 0, 0, 0, 0, 0, 'done', '', %s)",
                [thread_id, started],
            )

    redis_counters = counters.counters_for_default_cache()
    assert isinstance(redis_counters, counters.RedisCounters)

    async def redis_command() -> Any:
        return await redis_counters._client().get("merak:bench:floor")

    return [
        ("the hand-off alone", db_threads.in_database_thread(lambda: None)),
        ("a statement, written out, on the database thread", db_threads.in_database_thread(statement)),
        ("a Redis command (GET)", redis_command),
    ]


def request_cpu(stock_security: bool, calls: int, stock_started: bool = False) -> float:
    """CPU µs of one POST /chatkit (a 401) through Django's ASGI handler, with Django's SecurityMiddleware or
    Merak's, and with Django's own `request_started` receivers (`stock_started`: the signal makes a thread hop)
    or Merak's (`asgi_handler.started`); in a subprocess, since the middleware list is read once."""
    import subprocess

    code = f"""
import asyncio, time
import django
django.setup()
from django.conf import settings
if {stock_security}:
    settings.MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware" if p.endswith(".SecurityMiddleware") else p
        for p in settings.MIDDLEWARE
    ]
from merak_project.runtime.asgi_handler import PooledThreadASGIHandler
if {stock_started}:
    from django.core.signals import request_started
    from django.db import close_old_connections, reset_queries
    request_started.disconnect(dispatch_uid="merak.request_started")
    request_started.connect(reset_queries)
    request_started.connect(close_old_connections)
app = PooledThreadASGIHandler()
scope = {{"type": "http", "asgi": {{"version": "3.0"}}, "http_version": "1.1", "method": "POST", "scheme": "http",
    "path": "/chatkit", "raw_path": b"/chatkit", "query_string": b"", "root_path": "",
    "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
    "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}}
async def one():
    body = [{{"type": "http.request", "body": b"{{}}", "more_body": False}}]
    async def receive():
        return body.pop() if body else await asyncio.sleep(3600)
    async def send(message):
        pass
    await app(scope, receive, send)
async def main():
    for _ in range(200):
        await one()
    started = time.process_time()
    for _ in range({calls}):
        await one()
    print((time.process_time() - started) / {calls} * 1e6)
asyncio.run(main())
"""
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    found = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return float(found.stdout.split()[-1])


def agent_cpu(calls: int, cloned: bool) -> float:
    """CPU µs of the agent a run gets: `new_trip_planner()` (a shallow copy of the template), or the template's
    `clone()` as it was made before (the SDK validates every field of a clone again)."""
    from agents_app.planner import _TEMPLATE, new_trip_planner
    from agents_app.providers import get_model, model_settings

    def make() -> Any:
        if cloned:
            return _TEMPLATE.clone(model=get_model(), model_settings=model_settings(), tools=list(_TEMPLATE.tools))
        return new_trip_planner()

    for _ in range(100):
        make()
    started = time.process_time()
    for _ in range(calls):
        make()
    return (time.process_time() - started) / calls * 1e6


async def measure(calls: int, rounds: int) -> tuple[dict[str, Any], dict[str, list[float]]]:
    found: dict[str, dict[str, list[float]]] = {}
    for what, before, now in await pairs():
        times = found.setdefault(what, {"before": [], "now": []})
        for _ in range(rounds):
            for side, call in (("before", before), ("now", now)):
                await call()  # warm
                started = time.process_time()
                for _ in range(calls):
                    await call()
                times[side].append((time.process_time() - started) / calls * 1e6)
    least: dict[str, list[float]] = {}
    for _ in range(rounds):
        for what, call in await floors():
            await call()
            started = time.process_time()
            for _ in range(calls):
                await call()
            least.setdefault(what, []).append((time.process_time() - started) / calls * 1e6)
    return found, least


def figure(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = servers.server_env(servers.database_url("postgres", Path(tmp)), cache_url=servers.fresh_redis())
        os.environ.update({**env, "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "merak_project.settings"})
        try:
            import django
            import uvloop
            from django.core.management import call_command

            django.setup()
            call_command("migrate", verbosity=0)
            found, least = uvloop.run(measure(args.calls, args.rounds))
            security: dict[str, list[float]] = {"before": [], "now": []}
            for _ in range(args.rounds):
                security["before"].append(request_cpu(True, args.calls))
                security["now"].append(request_cpu(False, args.calls))
            found["a request through Django (security middleware)"] = security
            started: dict[str, list[float]] = {"before": [], "now": []}
            agent: dict[str, list[float]] = {"before": [], "now": []}
            for _ in range(args.rounds):
                started["before"].append(request_cpu(False, args.calls, stock_started=True))
                started["now"].append(request_cpu(False, args.calls))
                agent["before"].append(agent_cpu(args.calls, cloned=True))
                agent["now"].append(agent_cpu(args.calls, cloned=False))
            found["a request through Django (`request_started`'s receivers)"] = started
            found["the Trip Planner for a run"] = agent
        finally:
            from django.db import connections

            from merak_project.runtime import db_threads

            db_threads.stop()
            connections.close_all()
            servers.drop_database("postgres")
    print("| what | before, µs CPU a call | now |")
    print("|---|---|---|")
    for what, times in found.items():
        print(f"| {what} | {figure(times['before'])} | {figure(times['now'])} |")
    print("\n| the floor of a round trip | µs CPU a call |\n|---|---|")
    for what, times in least.items():
        print(f"| {what} | {figure(times)} |")
    statement, command = (statistics.median(least[what]) for what in list(least)[1:])
    floor = STATEMENTS_A_STREAM * statement + REDIS_COMMANDS_A_STREAM * command
    print(
        f"\nA stream's {STATEMENTS_A_STREAM} statements and {REDIS_COMMANDS_A_STREAM} Redis commands, at their floor: "
        f"{floor / 1000:.2f} ms of CPU."
    )
    print(json.dumps({"pairs": found, "floors": least}), file=sys.stderr)


if __name__ == "__main__":
    main()
