#!/usr/bin/env python
"""What one stream asks of PostgreSQL and Redis: every round trip, counted, for Merak as deployed.

Builds the app in this process on a fresh PostgreSQL database and the
benchmark's Redis database (bench/servers.py: limits counted in Redis, the
JSON request log written, the fixed-reply model), issues a client secret,
then sends `--streams` `threads.create` requests one at a time straight to
the ASGI application (no HTTP server: the figures are the app's own), each
followed, with `--reads`, by the client's reads. Every SQL statement is
counted (a wrapper on each database connection) with the time it took, and
every Redis command (redis-py's asyncio client), and the totals per stream
are printed, with what came before each stream's first byte: how long it
took, and how much of that the database and Redis answered (their round
trips, each timed from the call to its answer: the database's from the
database thread, so the hand-off to it is not in them). `--profile FILE` writes a cProfile of the event loop's thread
over the measured streams (calls per stream are exact there, times inflated).

    .venv/bin/python bench/round_trips.py --streams 50 [--reads] [--profile /tmp/stream.pstats]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import pstats
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402
from bench.load import CREATE, THREAD_ID, chatkit_body  # noqa: E402

_lock = threading.Lock()
statements: Counter[str] = Counter()
statement_seconds: defaultdict[str, float] = defaultdict(float)
redis_commands: Counter[str] = Counter()
# Each round trip as it ends: (kind, started, ended), perf_counter seconds.
round_trips: list[tuple[str, float, float]] = []


def statement_kind(sql: str) -> str:
    """`INSERT chatkit_app_item`, `SELECT chatkit_app_clienttoken`...: the verb and the first table."""
    verb = sql.split(None, 1)[0].upper()
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
    return f"{verb} {table.group(1) if table else ''}".strip()


def count_statement(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        ended = time.perf_counter()
        with _lock:
            kind = statement_kind(sql)
            statements[kind] += 1
            statement_seconds[kind] += ended - started
            round_trips.append((f"SQL {kind}", started, ended))


def watch_database() -> None:
    """Count statements, and the transaction commands (BEGIN, COMMIT...) psycopg sends of its own."""
    import psycopg._connection_base
    from django.db.backends.signals import connection_created

    command = psycopg._connection_base.BaseConnection._exec_command

    def exec_command(self: Any, text: Any, *args: Any, **kwargs: Any) -> Any:
        sql = text.decode() if isinstance(text, bytes) else str(text)
        with _lock:
            statements[sql.split(None, 1)[0].upper()] += 1
        return command(self, text, *args, **kwargs)

    psycopg._connection_base.BaseConnection._exec_command = exec_command  # type: ignore[method-assign, assignment]

    def wrap(sender: Any, connection: Any, **kwargs: Any) -> None:
        if count_statement not in connection.execute_wrappers:
            connection.execute_wrappers.append(count_statement)

    connection_created.connect(wrap, weak=False)


def watch_redis() -> None:
    import redis.asyncio.client

    single = redis.asyncio.client.Redis.execute_command
    pipeline = redis.asyncio.client.Pipeline.execute

    async def execute_command(self: Any, *args: Any, **options: Any) -> Any:
        redis_commands[str(args[0]).upper()] += 1
        started = time.perf_counter()
        try:
            return await single(self, *args, **options)
        finally:
            round_trips.append((f"Redis {str(args[0]).upper()}", started, time.perf_counter()))

    async def execute(self: Any, raise_on_error: bool = True) -> Any:
        redis_commands["MULTI/EXEC " + "+".join(str(c[0][0]).upper() for c in self.command_stack)] += 1
        return await pipeline(self, raise_on_error)

    redis.asyncio.client.Redis.execute_command = execute_command  # type: ignore[method-assign]
    redis.asyncio.client.Pipeline.execute = execute  # type: ignore[method-assign]


@dataclass
class FirstByte:
    """A stream's way to its first byte: when it was asked for, when its first body chunk was sent."""

    asked: float = 0.0
    sent: float = 0.0

    def before(self) -> list[tuple[str, float]]:
        """The round trips that ended before the first byte, with their times."""
        return [(kind, ended - started) for kind, started, ended in round_trips if self.asked <= started < self.sent]


async def call(
    app: Any, path: str, body: bytes, headers: dict[str, str], first: FirstByte | None = None
) -> tuple[int, bytes]:
    """One request straight to the ASGI app; its status and whole body (a stream's too)."""
    sent = False
    status, done = 0, asyncio.Event()
    parts: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            if first is not None and not parts:
                first.sent = time.perf_counter()
            parts.append(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    raw_headers = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), *raw_headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    if first is not None:
        first.asked = time.perf_counter()
    await app(scope, receive, send)
    return status, b"".join(parts)


async def measure(app: Any, streams: int, reads: bool, profile: str) -> dict[str, Any]:
    from chatkit_app.runs import registry

    key = {"Authorization": f"Bearer {servers.SERVER_KEY}"}
    _, issued = await call(app, "/chatkit/token/start", json.dumps({"user_id": "bench-0"}).encode(), key)
    user = {"Authorization": f"Bearer {json.loads(issued)['client_secret']}"}

    firsts: list[FirstByte] = []

    async def one() -> None:
        firsts.append(first := FirstByte())
        status, body = await call(app, "/chatkit", CREATE, user, first)
        assert status == 200, body[:300]
        while registry.running():  # the run stores its reply record as it ends, after the last byte
            await asyncio.sleep(0.001)
        if reads:
            found = THREAD_ID.search(body)
            assert found is not None
            thread_id = found.group(1).decode()
            for request in (
                chatkit_body("items.list", thread_id=thread_id, limit=20, order="asc"),
                chatkit_body("threads.get_by_id", thread_id=thread_id),
                chatkit_body("threads.list", limit=20, order="desc"),
            ):
                status, body = await call(app, "/chatkit", request, user)
                assert status == 200, body[:300]

    for _ in range(5):  # warm: first-use costs, the pool's connections
        await one()
    statements.clear()
    statement_seconds.clear()
    redis_commands.clear()
    round_trips.clear()
    firsts.clear()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(streams):
        await one()
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    elapsed = time.perf_counter() - started
    calls = pstats.Stats(profiler).total_calls if profiler else 0  # type: ignore[attr-defined]
    return {
        "streams": streams,
        "reads": reads,
        "ms_per_stream_one_at_a_time": round(elapsed * 1000 / streams, 2),
        # Deterministic where times are not: Python calls on the event loop's thread (coroutine resumptions count).
        "python_calls_per_stream": round(calls / streams) if profiler else None,
        "sql_per_stream": round(sum(statements.values()) / streams, 2),
        "sql": {
            kind: {"per_stream": round(n / streams, 2), "ms_each": round(statement_seconds[kind] * 1000 / n, 3)}
            for kind, n in statements.most_common()
        },
        "redis_per_stream": round(sum(redis_commands.values()) / streams, 2),
        "redis": {kind: round(n / streams, 2) for kind, n in redis_commands.most_common()},
        "before_the_first_byte": first_byte_summary(firsts),
    }


def first_byte_summary(firsts: list[FirstByte]) -> dict[str, Any]:
    """Medians over the streams: the time to the first byte, what the round trips before it took, the rest."""

    def median_ms(values: list[float]) -> float:
        return round(statistics.median(values) * 1000, 3)

    befores = [first.before() for first in firsts]
    kinds = sorted({kind for before in befores for kind, _ in before})
    return {
        "first_byte_ms": median_ms([first.sent - first.asked for first in firsts]),
        "round_trips": {
            kind: median_ms([sum(t for k, t in before if k == kind) for before in befores]) for kind in kinds
        },
        "round_trips_ms": median_ms([sum(t for _, t in before) for before in befores]),
        "round_trip_count": statistics.median(len(before) for before in befores),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--reads", action="store_true", help="the client's reads after each create")
    parser.add_argument("--profile", metavar="FILE", default="", help="cProfile of the event loop's thread")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = servers.server_env(servers.database_url("postgres", Path(tmp)), cache_url=servers.fresh_redis())
        os.environ.update({**env, "LOG_LEVEL": "INFO", "DJANGO_SETTINGS_MODULE": "merak_project.settings"})
        # The request log (JSON, on stderr as deployed) goes to a file: the figures go to stdout.
        with (Path(tmp) / "server.log").open("w") as log, contextlib.redirect_stderr(log):
            try:
                import django
                import uvloop
                from django.core.management import call_command

                django.setup()
                call_command("migrate", verbosity=0)
                watch_database()
                watch_redis()
                from merak_project.asgi import application

                summary = uvloop.run(measure(application, args.streams, args.reads, args.profile))
            finally:
                from django.db import connections

                from merak_project.runtime import db_threads

                db_threads.stop()
                connections.close_all()
                servers.drop_database("postgres")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
