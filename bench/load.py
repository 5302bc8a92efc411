#!/usr/bin/env python
"""Load benchmark: concurrent `threads.create` streams against a real Merak server.

Starts the server (uvicorn through scripts/run_chatkit_server.py, or daphne)
on a fresh database with the 50-delta fixed-reply model, then keeps N clients
each streaming one `threads.create` after another for a fixed time, over
keep-alive HTTP/1.1 connections on loopback. Reports completed streams per
second, the time to the first SSE event and to the assistant's first text delta
(p50/p90/p99).

    .venv/bin/python bench/load.py --server uvicorn --db sqlite --clients 50 --seconds 20
    .venv/bin/python bench/load.py --server daphne --db postgres
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER_KEY = "bench-server-key"
STREAM_TIMEOUT = 30  # seconds: a stream that takes longer is counted as an error, not waited for

BODY = json.dumps(
    {
        "type": "threads.create",
        "params": {
            "input": {
                "content": [{"type": "input_text", "text": "Plan a weekend in Lisbon"}],
                "attachments": [],
                "inference_options": {},
            }
        },
    }
).encode()


# The assistant's first words: what a user waits for after sending a message.
TEXT_DELTA = b'"assistant_message.content_part.text_delta"'


@dataclass
class Results:
    first_event: list[float] = field(default_factory=list)
    first_delta: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    events: int = 0
    errors: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


POSTGRES = "postgresql://postgres@127.0.0.1:5432"
# A database of this run's own: runs side by side must not drop each other's.
POSTGRES_DB = f"merak_bench_{os.getpid()}"


def database_url(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {POSTGRES_DB}")
    return f"{POSTGRES}/{POSTGRES_DB}"


def drop_database(kind: str) -> None:
    if kind == "postgres":
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DB} WITH (FORCE)")


def server_env(db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": db_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-secret",
        "OPENAI_API_KEY": "",
        "MERAK_MODEL": "bench.fixed_reply_model.FixedReplyModel",
        "MERAK_OFFLINE_STREAM_DELAY_MS": "0",
        "MERAK_SERVER_API_KEY": SERVER_KEY,
        # Load from a handful of users is not abuse: lift the per-user limits.
        "MERAK_RATE_LIMIT_REQUESTS": "1000000",
        "MERAK_MAX_OPEN_STREAMS_PER_USER": "1000",
        "LOG_LEVEL": "WARNING",
    }


def start_server(kind: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    if kind == "reference":
        command = [PYTHON, "bench/reference_server.py", "--port", str(port)]
    else:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
        )
    if kind == "uvicorn":
        command = [PYTHON, "scripts/run_chatkit_server.py", "--port", str(port), "--workers", "1"]
    elif kind == "daphne":
        command = [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "merak_project.asgi:application"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            if server.poll() is not None:
                assert server.stderr is not None  # stderr=PIPE
                raise SystemExit(f"server exited: {server.stderr.read().decode()[-2000:]}") from None
            time.sleep(0.2)
    raise SystemExit("server did not start")


def request_bytes(port: int, user: str) -> bytes:
    head = (
        f"POST /chatkit HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {SERVER_KEY}\r\nX-User-ID: {user}\r\n"
        f"Content-Length: {len(BODY)}\r\n\r\n"
    )
    return head.encode() + BODY


async def read_stream(reader: asyncio.StreamReader, started: float, results: Results) -> None:
    """Read one chunked SSE response; record first-event latency and total time."""
    status_line = await reader.readline()
    if b" 200 " not in status_line:
        raise RuntimeError(status_line.decode(errors="replace").strip())
    while await reader.readline() not in (b"\r\n", b""):
        pass
    first = first_delta = None
    events = 0
    while True:
        size = int((await reader.readline()).strip(), 16)
        if size == 0:
            await reader.readline()
            break
        chunk = await reader.readexactly(size + 2)
        if first is None:
            first = time.perf_counter() - started
        if first_delta is None and TEXT_DELTA in chunk:
            first_delta = time.perf_counter() - started
        events += chunk.count(b"data: ")
    results.first_event.append(first or 0.0)
    results.first_delta.append(first_delta or 0.0)
    results.total.append(time.perf_counter() - started)
    results.events += events


async def client(number: int, port: int, stop_at: float, record_from: float, results: Results) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    payload = request_bytes(port, f"bench-{number}")
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(payload)
            sink = results if started >= record_from else Results()
            try:
                await asyncio.wait_for(read_stream(reader, started, sink), STREAM_TIMEOUT)
            except TimeoutError:
                results.errors.append(f"no end of stream within {STREAM_TIMEOUT} s")
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except (RuntimeError, ValueError, asyncio.IncompleteReadError, ConnectionError) as exc:
                results.errors.append(str(exc)[:200])
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


async def run_load(port: int, clients: int, seconds: float, warmup: float) -> tuple[Results, float]:
    results = Results()
    now = time.perf_counter()
    record_from, stop_at = now + warmup, now + warmup + seconds
    await asyncio.gather(*(client(n, port, stop_at, record_from, results) for n in range(clients)))
    return results, seconds


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values[0] if values else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server",
        choices=["uvicorn", "daphne", "reference"],
        help="Merak under uvicorn or daphne, or the FastAPI in-memory reference (bench/reference_server.py)",
        default="uvicorn",
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--profile", metavar="FILE", help="record the server with py-spy (speedscope JSON)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = server_env("" if args.server == "reference" else database_url(args.db, Path(tmp)))
        port = free_port()
        server = start_server(args.server, port, env)
        profiler = None
        if args.profile:
            profiler = subprocess.Popen(
                [
                    shutil.which("py-spy") or str(Path(PYTHON).with_name("py-spy")),
                    "record",
                    "-f",
                    "speedscope",
                    "-o",
                    args.profile,
                    "-p",
                    str(server.pid),
                    "-d",
                    str(int(args.warmup + args.seconds)),
                    "-r",
                    "100",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        try:
            try:
                import uvloop

                uvloop.install()
            except ImportError:
                pass
            results, seconds = asyncio.run(run_load(port, args.clients, args.seconds, args.warmup))
        finally:
            if profiler:
                profiler.wait()
            server.terminate()
            server.wait(timeout=20)
            if args.server != "reference":
                drop_database(args.db)

    done = len(results.total)
    summary = {
        "server": args.server,
        "db": "memory" if args.server == "reference" else args.db,
        "clients": args.clients,
        "seconds": seconds,
        "streams": done,
        "streams_per_s": round(done / seconds, 1),
        "events_per_stream": round(results.events / done, 1) if done else 0,
        "first_event_ms": {q: round(percentile(results.first_event, q) * 1000, 1) for q in (50, 90, 99)},
        "first_text_delta_ms": {q: round(percentile(results.first_delta, q) * 1000, 1) for q in (50, 90, 99)},
        "stream_ms": {q: round(percentile(results.total, q) * 1000, 1) for q in (50, 90, 99)},
        "errors": len(results.errors),
        "first_errors": results.errors[:3],
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
