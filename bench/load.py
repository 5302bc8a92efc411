#!/usr/bin/env python
"""Load benchmark: `threads.create` streams against a real server, one run or rounds side by side.

One run (`--server`) starts a server (bench/servers.py: Merak, or the FastAPI
references) and drives it for `--seconds` after `--warmup`:

- closed loop: N clients (`--clients`), each streaming one `threads.create`
  after another over a keep-alive HTTP/1.1 connection on loopback; with
  `--reads`, each create is followed by what the ChatKit client reads next
  (`items.list`, `threads.get_by_id`, `threads.list`);
- open loop (`--rate R`): creates arrive at random (Poisson, R a second) on
  idle or new connections, each timed from its arrival, so that the figures
  are the server's and not a queue the benchmark made.

It reports streams a second, the server's CPU per stream (its /proc utime +
stime over the measured window, every thread; PostgreSQL's and Redis's beside
it), and the time to the first SSE event, to the first text delta and to the
end of the stream. With more than one core the server runs on core 0 and the
load generator on core 1 (`taskset` / `sched_setaffinity`).

`--compare` runs several servers in alternating rounds (each phase of
`--phases` in turn on each server, every round) and prints medians with min
and max; `open` runs at `--open-load` of that round's `create` capacity.

    .venv/bin/python bench/load.py --server uvicorn --db postgres --clients 50 --seconds 20
    .venv/bin/python bench/load.py --compare uvicorn,reference-fixed,reference --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402

STREAM_TIMEOUT = 30  # seconds: a stream that takes longer is counted as an error, not waited for
# Shorter than uvicorn's keep-alive timeout (5 s): the open loop never sends on a connection the server is closing.
KEEP_ALIVE_SECONDS = 3
PHASES = ("create", "reads", "c1", "open")


def chatkit_body(kind: str, **params: Any) -> bytes:
    return json.dumps({"type": kind, "params": params}).encode()


CREATE = chatkit_body(
    "threads.create",
    input={
        "content": [{"type": "input_text", "text": "Plan a weekend in Lisbon"}],
        "attachments": [],
        "inference_options": {},
    },
)
# The assistant's first words: what a user waits for after sending a message.
TEXT_DELTA = b'"assistant_message.content_part.text_delta"'
THREAD_ID = re.compile(rb'"thread":\{"id":"([^"]+)"')


@dataclass
class Results:
    first_event: list[float] = field(default_factory=list)
    first_delta: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    events: int = 0
    errors: list[str] = field(default_factory=list)


class Client:
    """One keep-alive connection, acting for one user with the credentials the server wants."""

    def __init__(self, port: int, authorization: str) -> None:
        self.port = port
        self.authorization = authorization
        self.head = f"POST /chatkit HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        self.head += authorization
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> Client:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def send(self, body: bytes) -> None:
        assert self.writer is not None
        self.writer.write(f"{self.head}Content-Length: {len(body)}\r\n\r\n".encode() + body)

    async def _head(self) -> dict[bytes, bytes]:
        assert self.reader is not None
        status = await self.reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(status.decode(errors="replace").strip() or "connection closed")
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        return headers

    async def stream(self, started: float, results: Results) -> bytes:
        """Send a create, read its chunked SSE response; record the latencies. Its first chunk."""
        assert self.reader is not None
        self.send(CREATE)
        await self._head()
        first_chunk = b""
        first = first_delta = None
        events = 0
        while True:
            size = int((await self.reader.readline()).strip(), 16)
            if size == 0:
                await self.reader.readline()
                break
            chunk = await self.reader.readexactly(size + 2)
            if first is None:
                first, first_chunk = time.perf_counter() - started, chunk
            if first_delta is None and TEXT_DELTA in chunk:
                first_delta = time.perf_counter() - started
            events += chunk.count(b"data: ")
        results.first_event.append(first or 0.0)
        results.first_delta.append(first_delta or 0.0)
        results.total.append(time.perf_counter() - started)
        results.events += events
        return first_chunk

    async def call(self, body: bytes) -> bytes:
        """A non-streaming request: its JSON answer."""
        assert self.reader is not None
        self.send(body)
        headers = await self._head()
        if b"content-length" in headers:
            return await self.reader.readexactly(int(headers[b"content-length"]))
        parts = []
        while size := int((await self.reader.readline()).strip(), 16):
            parts.append((await self.reader.readexactly(size + 2))[:-2])
        await self.reader.readline()
        return b"".join(parts)

    async def reads_after_create(self, first_chunk: bytes) -> None:
        """What the ChatKit client reads after creating a thread: its items, the thread, the thread list."""
        found = THREAD_ID.search(first_chunk)
        if found is None:
            raise RuntimeError("no thread.created first")
        thread_id = found.group(1).decode()
        await self.call(chatkit_body("items.list", thread_id=thread_id, limit=20, order="asc"))
        await self.call(chatkit_body("threads.get_by_id", thread_id=thread_id))
        await self.call(chatkit_body("threads.list", limit=20, order="desc"))


async def closed_loop(client: Client, stop_at: float, record_from: float, results: Results, *, reads: bool) -> None:
    await client.connect()
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            sink = results if started >= record_from else Results()
            try:
                async with asyncio.timeout(STREAM_TIMEOUT):
                    first_chunk = await client.stream(started, sink)
                    if reads:
                        await client.reads_after_create(first_chunk)
            except TimeoutError:
                results.errors.append(f"no end of stream within {STREAM_TIMEOUT} s")
                client.close()
                await client.connect()
            except (RuntimeError, ValueError, asyncio.IncompleteReadError, ConnectionError) as exc:
                results.errors.append(str(exc)[:200])
                client.close()
                await client.connect()
    finally:
        client.close()


async def open_loop(clients: list[Client], rate: float, stop_at: float, record_from: float, results: Results) -> None:
    """Creates arriving at `rate` a second (Poisson), each on an idle connection or a new one."""
    idle: list[tuple[Client, float]] = []  # with when each was last used
    arrivals = random.Random(14)

    async def one(number: int, arrived: float) -> None:
        user = clients[number % len(clients)]
        client, used = idle.pop() if idle else (None, 0.0)
        if client is None or time.perf_counter() - used > KEEP_ALIVE_SECONDS:
            if client is not None:
                client.close()
            client = await Client(user.port, user.authorization).connect()
        try:
            async with asyncio.timeout(STREAM_TIMEOUT):
                await client.stream(arrived, results if arrived >= record_from else Results())
            idle.append((client, time.perf_counter()))
        except (TimeoutError, RuntimeError, ValueError, asyncio.IncompleteReadError, ConnectionError) as exc:
            results.errors.append(str(exc)[:200] or type(exc).__name__)
            client.close()

    tasks: list[asyncio.Task[None]] = []
    arrival = time.perf_counter()
    while (arrival := arrival + arrivals.expovariate(rate)) < stop_at:
        await asyncio.sleep(max(0.0, arrival - time.perf_counter()))
        tasks.append(asyncio.create_task(one(len(tasks), arrival)))
    await asyncio.gather(*tasks)
    for client, _ in idle:
        client.close()


def issue_secrets(port: int, users: int) -> list[str]:
    """A client secret for each benchmark user, as the frontend's backend gets one (`/chatkit/token/start`)."""
    found = []
    for number in range(users):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/chatkit/token/start",
            data=json.dumps({"user_id": f"bench-{number}"}).encode(),
            headers={"Authorization": f"Bearer {servers.SERVER_KEY}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            found.append(json.load(answer)["client_secret"])
    return found


def credentials(kind: str, auth: str, port: int, users: int) -> list[str]:
    if kind in servers.REFERENCES or auth == "proxy":
        # The references ignore credentials; trusted-proxy mode names the user beside the server key.
        return [f"Authorization: Bearer {servers.SERVER_KEY}\r\nX-User-ID: bench-{n}\r\n" for n in range(users)]
    return [f"Authorization: Bearer {secret}\r\n" for secret in issue_secrets(port, users)]


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values[0] if values else 0.0)


def milliseconds(values: list[float]) -> dict[int, float]:
    return {q: round(percentile(values, q) * 1000, 1) for q in (50, 90, 99)}


async def drive(
    server_pid: int,
    heads: list[str],
    port: int,
    *,
    clients: int,
    seconds: float,
    warmup: float,
    reads: bool = False,
    rate: float = 0.0,
    profile: str = "",
) -> dict[str, Any]:
    """One measured load on a running server: what it did and what it cost."""
    results = Results()
    now = time.perf_counter()
    record_from, stop_at = now + warmup, now + warmup + seconds
    cpu: dict[str, float] = {}
    databases_before: dict[int, float] = {}

    async def meter() -> None:
        await asyncio.sleep(warmup)
        cpu["server"] = servers.cpu_seconds(server_pid)
        databases_before.update(servers.database_cpu_seconds())
        if profile:
            py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
            form = "raw" if profile.endswith(".txt") else "speedscope"
            # --gil: the thread running Python at each sample, not threads waiting (on a lock, a socket).
            window = ["-d", str(int(seconds)), "-r", "100", "--gil"]
            arguments = ["record", "-f", form, "-o", profile, "-p", str(server_pid), *window]
            subprocess.Popen([py_spy, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await asyncio.sleep(stop_at - time.perf_counter())
        cpu["server"] = servers.cpu_seconds(server_pid) - cpu["server"]
        cpu["databases"] = servers.database_cpu_since(databases_before)

    users = [Client(port, head) for head in heads[:clients]]
    if rate:
        await asyncio.gather(meter(), open_loop(users, rate, stop_at, record_from, results))
    else:
        await asyncio.gather(
            meter(), *(closed_loop(user, stop_at, record_from, results, reads=reads) for user in users)
        )
    done = len(results.total)
    return {
        "clients": clients,
        "rate": rate or None,
        "reads": reads,
        "seconds": seconds,
        "streams": done,
        "streams_per_s": round(done / seconds, 1),
        "cpu_ms_per_stream": round(cpu["server"] * 1000 / done, 2) if done else None,
        "database_cpu_ms_per_stream": round(cpu["databases"] * 1000 / done, 2) if done else None,
        "events_per_stream": round(results.events / done, 1) if done else 0,
        "first_event_ms": milliseconds(results.first_event),
        "first_text_delta_ms": milliseconds(results.first_delta),
        "stream_ms": milliseconds(results.total),
        "errors": len(results.errors),
        "first_errors": results.errors[:3],
    }


class Running:
    """A server of `kind` started for a run, and stopped (its database dropped) after it."""

    def __init__(self, kind: str, args: argparse.Namespace, tmp: Path) -> None:
        self.kind = kind
        merak = kind in servers.MERAK_SERVERS
        db_url = servers.database_url(args.db, tmp) if merak else ""
        cache_url = servers.fresh_redis() if merak and args.cache == "redis" else ""
        self.log = (tmp / f"{kind}.log").open("wb")
        self.port = servers.free_port()
        env = servers.server_env(db_url, cache_url=cache_url, request_log=args.request_log)
        core = 0 if args.pin else None
        self.process = servers.start_server(kind, self.port, env, core=core, log=self.log)
        self.db = args.db if merak else "memory"
        self.heads = credentials(kind, args.auth, self.port, max(args.clients, 1))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=90)
        self.log.close()
        if self.kind in servers.MERAK_SERVERS:
            servers.drop_database(self.db)


def run_phase(running: Running, phase: str, args: argparse.Namespace, capacity: float | None) -> dict[str, Any]:
    options: dict[str, Any] = {"clients": args.clients, "seconds": args.seconds, "warmup": args.warmup}
    if phase == "reads":
        options["reads"] = True
    elif phase == "c1":
        options["clients"] = 1
    elif phase == "open":
        options["rate"] = args.rate or round(args.open_load * (capacity or 0), 1)
        if not options["rate"]:
            raise SystemExit("the open phase needs --rate, or a create phase before it")
    summary = asyncio.run(drive(running.process.pid, running.heads, running.port, **options))
    return {"server": running.kind, "db": running.db, "phase": phase, **summary}


def figure(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})" if values else "-"


def table(runs: list[dict[str, Any]]) -> str:
    """Medians (min-max) per server and phase."""
    lines = [
        "| server | phase | streams/s | CPU ms/stream | PostgreSQL+Redis CPU ms/stream | first event p50 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["server"], run["phase"]), []).append(run)
    for (server, phase), group in groups.items():
        rate = f" at {figure([r['rate'] for r in group])}/s" if group[0]["rate"] else ""
        lines.append(
            f"| {server} ({group[0]['db']}) | {phase}{rate} | {figure([r['streams_per_s'] for r in group])}"
            f" | {figure([r['cpu_ms_per_stream'] or 0 for r in group])}"
            f" | {figure([r['database_cpu_ms_per_stream'] or 0 for r in group])}"
            f" | {figure([r['first_event_ms'][50] for r in group])} | {sum(r['errors'] for r in group)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=[*servers.MERAK_SERVERS, *servers.REFERENCES], default="uvicorn")
    parser.add_argument("--compare", help="servers to alternate, comma-separated (e.g. uvicorn,reference-fixed)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--phases", default="create", help=f"with --compare: some of {','.join(PHASES)}")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--cache", choices=["redis", "local"], default="redis", help="where Merak counts limits")
    parser.add_argument("--auth", choices=["secret", "proxy"], default="secret", help="client secrets or server key")
    parser.add_argument("--no-request-log", dest="request_log", action="store_false")
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="leave the cores to the scheduler")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--reads", action="store_true", help="the client's reads after each create")
    parser.add_argument("--rate", type=float, default=0.0, help="open loop: creates arriving per second")
    parser.add_argument("--open-load", type=float, default=0.8, help="--compare's open phase: share of capacity")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--profile", metavar="FILE", help="py-spy the server's measured window (.txt: collapsed)")
    parser.add_argument("--out", metavar="FILE", help="--compare: append every run's JSON to FILE")
    args = parser.parse_args()
    args.pin = args.pin and len(os.sched_getaffinity(0)) > 1
    if args.pin:
        os.sched_setaffinity(0, {1})  # the load generator; the server gets core 0

    with tempfile.TemporaryDirectory() as tmp:
        if not args.compare:
            running = Running(args.server, args, Path(tmp))
            try:
                options = {"reads": args.reads, "rate": args.rate, "profile": args.profile or ""}
                summary = asyncio.run(
                    drive(
                        running.process.pid,
                        running.heads,
                        running.port,
                        clients=args.clients,
                        seconds=args.seconds,
                        warmup=args.warmup,
                        **options,
                    )
                )
            finally:
                running.stop()
            print(json.dumps({"server": args.server, "db": running.db, "pinned": args.pin, **summary}, indent=2))
            return
        runs = []
        for _ in range(args.rounds):
            for kind in args.compare.split(","):
                running = Running(kind, args, Path(tmp))
                try:
                    capacity = None
                    for phase in args.phases.split(","):
                        run = run_phase(running, phase, args, capacity)
                        capacity = run["streams_per_s"] if phase == "create" else capacity
                        runs.append(run)
                        print(json.dumps(run), file=sys.stderr)
                        if args.out:
                            with open(args.out, "a") as out:
                                out.write(json.dumps(run) + "\n")
                finally:
                    running.stop()
    print(table(runs))


if __name__ == "__main__":
    main()
