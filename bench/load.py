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
end of the stream.

`--workers N` runs N server worker processes (uvicorn's supervisor and its N
workers; the CPU counted is all of theirs). Pinning (`taskset` /
`sched_setaffinity`): with N workers and more than N cores the server runs on
the first N cores and the load generator on the next one; with N or more
workers than cores nothing is pinned (the server may use every core, the load
generator shares them) and the JSON says `"pinned": false`. The references'
in-memory store is per worker: with several workers only their creates
(`create`, `c1`, `open`) are comparable, so their `reads` are refused.

`--model planner` runs Merak with the offline planner it runs without an API
key (tools, the itinerary card, workflows, a title) on a trip request, instead
of the 50-delta fixed reply; Merak only.

`--compare` runs several servers in alternating rounds (each phase of
`--phases` in turn on each server, every round) and prints medians with min
and max; `open` runs at `--open-load` of that round's `create` capacity.
`--scale 1,2` does the same for worker counts (with `--compare`, for each
server): rounds alternate 1 and 2 workers, every row pinned as the largest
count allows, so that they share the same conditions.

    .venv/bin/python bench/load.py --server uvicorn --db postgres --clients 50 --seconds 20
    .venv/bin/python bench/load.py --compare uvicorn,reference-fixed,reference --rounds 2
    .venv/bin/python bench/load.py --scale 1,2 --rounds 2 --model planner
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
from collections import Counter
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


def create_body(text: str) -> bytes:
    content = [{"type": "input_text", "text": text}]
    return chatkit_body("threads.create", input={"content": content, "attachments": [], "inference_options": {}})


CREATE = create_body("Plan a weekend in Lisbon")  # the fixed reply answers anything the same way
# What the offline planner answers with its tools (find_city, public_holidays, sun_times, local_time),
# the itinerary card (show_itinerary: a widget), a workflow of their progress, its reasoning and a
# day-by-day plan; the thread gets a title. Dates and a city given: no form asking for them.
PLANNER_CREATE = create_body("Plan 3 days in Lisbon from March 12")
CREATES = {"fixed": CREATE, "planner": PLANNER_CREATE}
# The assistant's first words: what a user waits for after sending a message.
TEXT_DELTA = b'"assistant_message.content_part.text_delta"'
THREAD_ID = re.compile(rb'"thread":\{"id":"([^"]+)"')
# The type of each item a stream finishes (an item's id, thread and date come before its type), and its title.
ITEM_DONE = re.compile(rb'"type":"thread\.item\.done","item":\{[^{]*?"type":"(\w+)"')
TITLED = b'"type":"thread.updated"'


@dataclass
class Results:
    first_event: list[float] = field(default_factory=list)
    first_delta: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    events: int = 0
    items: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


class Client:
    """One keep-alive connection, acting for one user with the credentials the server wants."""

    def __init__(self, port: int, authorization: str, create: bytes = CREATE) -> None:
        self.port = port
        self.authorization = authorization
        self.create = create
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
        self.send(self.create)
        await self._head()
        first_chunk = b""
        first = first_delta = None
        events = 0
        items: Counter[str] = Counter()
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
            if b"thread.item.done" in chunk:
                items.update(found.decode() for found in ITEM_DONE.findall(chunk))
            if TITLED in chunk:
                items["title"] += chunk.count(TITLED)
        results.first_event.append(first or 0.0)
        results.first_delta.append(first_delta or 0.0)
        results.total.append(time.perf_counter() - started)
        results.events += events
        results.items += items
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
            client = await Client(user.port, user.authorization, user.create).connect()
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
    create: bytes = CREATE,
    workers: int = 1,
) -> dict[str, Any]:
    """One measured load on a running server (`workers` worker processes): what it did and what it cost."""
    results = Results()
    now = time.perf_counter()
    record_from, stop_at = now + warmup, now + warmup + seconds
    cpu: dict[int, float] = {}  # by process: the server's (a supervisor's and each worker's)
    databases: dict[str, float] = {}
    databases_before: dict[int, float] = {}

    async def meter() -> None:
        await asyncio.sleep(warmup)
        before = servers.tree_cpu_seconds(server_pid)
        databases_before.update(servers.database_cpu_seconds())
        if profile:
            py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
            form = "raw" if profile.endswith(".txt") else "speedscope"
            # --gil: the thread running Python at each sample, not threads waiting (on a lock, a socket).
            window = ["-d", str(int(seconds)), "-r", "100", "--gil"]
            if workers > 1:
                window.append("--subprocesses")  # the supervisor's workers
            arguments = ["record", "-f", form, "-o", profile, "-p", str(server_pid), *window]
            subprocess.Popen([py_spy, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await asyncio.sleep(stop_at - time.perf_counter())
        # Processes started meanwhile count whole; any that ended meanwhile are lost (none do in a run).
        after = servers.tree_cpu_seconds(server_pid)
        cpu.update({pid: spent - before.get(pid, 0.0) for pid, spent in after.items()})
        databases["cpu"] = servers.database_cpu_since(databases_before)

    users = [Client(port, head, create) for head in heads[:clients]]
    if rate:
        await asyncio.gather(meter(), open_loop(users, rate, stop_at, record_from, results))
    else:
        await asyncio.gather(
            meter(), *(closed_loop(user, stop_at, record_from, results, reads=reads) for user in users)
        )
    done = len(results.total)
    per_stream = (lambda value: round(value / done, 2)) if done else (lambda value: None)
    summary = {
        "clients": clients,
        "rate": rate or None,
        "reads": reads,
        "seconds": seconds,
        "workers": workers,
        "streams": done,
        "streams_per_s": round(done / seconds, 1),
        "streams_per_s_per_worker": round(done / seconds / workers, 1),
        "cpu_ms_per_stream": per_stream(sum(cpu.values()) * 1000),
        "database_cpu_ms_per_stream": per_stream(databases["cpu"] * 1000),
        "events_per_stream": round(results.events / done, 1) if done else 0,
        "items_done_per_stream": {name: per_stream(count) for name, count in sorted(results.items.items())},
        "first_event_ms": milliseconds(results.first_event),
        "first_text_delta_ms": milliseconds(results.first_delta),
        "stream_ms": milliseconds(results.total),
        "errors": len(results.errors),
        "first_errors": results.errors[:3],
    }
    if workers > 1:
        # The supervisor's own CPU (with its resource tracker's), and how the workers shared theirs (keep-alive
        # connections stay on the worker that accepted them: an uneven share is an uneven load, not a slow worker).
        worker_pids = set(servers.worker_pids(server_pid))
        worker_cpu = [spent for pid, spent in cpu.items() if pid in worker_pids]
        summary["supervisor_cpu_ms_per_stream"] = per_stream((sum(cpu.values()) - sum(worker_cpu)) * 1000)
        summary["worker_cpu_shares"] = [round(spent / max(sum(worker_cpu), 1e-9), 2) for spent in worker_cpu]
    return summary


@dataclass(frozen=True)
class Pinning:
    """Where the server and the load generator run: CPU lists, None where the scheduler decides."""

    server: list[int] | None
    load: list[int] | None
    note: str

    @property
    def pinned(self) -> bool:
        return self.server is not None


def pinning(workers: int, cores: list[int], *, pin: bool) -> Pinning:
    """The server on the first `workers` cores and the load generator on the next, when there is a next one."""
    if not pin:
        return Pinning(None, None, "not pinned (--no-pin)")
    if len(cores) <= workers:
        note = f"not pinned: {workers} worker(s) on {len(cores)} core(s), the load generator shares them"
        return Pinning(None, None, note)
    server, load = cores[:workers], cores[workers : workers + 1]
    return Pinning(server, load, f"server on core(s) {server}, load generator on core {load[0]}")


class Running:
    """A server of `kind` started for a run, and stopped (its database dropped) after it."""

    def __init__(self, kind: str, args: argparse.Namespace, tmp: Path, *, workers: int, placement: Pinning) -> None:
        self.kind = kind
        self.workers = workers
        self.placement = placement
        merak = kind in servers.MERAK_SERVERS
        self.model = args.model if merak else "fixed"
        self.create = CREATES[self.model]
        db_url = servers.database_url(args.db, tmp) if merak else ""
        cache_url = servers.fresh_redis() if merak and args.cache == "redis" else ""
        self.log = (tmp / f"{kind}.log").open("wb")
        self.port = servers.free_port()
        env = servers.server_env(db_url, cache_url=cache_url, request_log=args.request_log, model=self.model)
        # The server inherits no mask a previous run gave the load generator; then the load generator's own.
        os.sched_setaffinity(0, args.cores)
        self.process = servers.start_server(kind, self.port, env, cores=placement.server, workers=workers, log=self.log)
        os.sched_setaffinity(0, placement.load or args.cores)
        self.db = args.db if merak else "memory"
        self.heads = credentials(kind, args.auth, self.port, max(args.clients, 1))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=90)
        self.log.close()
        if self.kind in servers.MERAK_SERVERS:
            servers.drop_database(self.db)

    def describe(self) -> dict[str, Any]:
        placement = {"pinned": self.placement.pinned, "pinning": self.placement.note}
        return {"server": self.kind, "db": self.db, "model": self.model, **placement}


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
    pid, heads, port = running.process.pid, running.heads, running.port
    summary = asyncio.run(drive(pid, heads, port, create=running.create, workers=running.workers, **options))
    return {**running.describe(), "phase": phase, **summary}


def figure(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})" if values else "-"


def table(runs: list[dict[str, Any]]) -> str:
    """Medians (min-max) per server, worker count and phase; with several worker counts, how throughput scaled."""
    lines = [
        "| server | workers | phase | streams/s | streams/s per worker | CPU ms/stream"
        " | PostgreSQL+Redis CPU ms/stream | first event p50 ms | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["server"], run["workers"], run["phase"]), []).append(run)
    for (server, workers, phase), group in groups.items():
        rate = f" at {figure([r['rate'] for r in group])}/s" if group[0]["rate"] else ""
        model = ", planner" if group[0]["model"] == "planner" else ""
        lines.append(
            f"| {server} ({group[0]['db']}{model}) | {workers} | {phase}{rate}"
            f" | {figure([r['streams_per_s'] for r in group])}"
            f" | {figure([r['streams_per_s_per_worker'] for r in group])}"
            f" | {figure([r['cpu_ms_per_stream'] or 0 for r in group])}"
            f" | {figure([r['database_cpu_ms_per_stream'] or 0 for r in group])}"
            f" | {figure([r['first_event_ms'][50] for r in group])} | {sum(r['errors'] for r in group)} |"
        )
    for (server, workers, phase), group in groups.items():
        fewest = min(w for s, w, p in groups if (s, p) == (server, phase))
        if workers != fewest:
            base = groups[server, fewest, phase]
            streams = statistics.median(r["streams_per_s"] for r in group)
            streams /= statistics.median(r["streams_per_s"] for r in base) or 1
            cpu = statistics.median(r["cpu_ms_per_stream"] or 0 for r in group)
            cpu /= statistics.median(r["cpu_ms_per_stream"] or 0 for r in base) or 1
            lines.append(
                f"\n{server} {phase}: {workers} workers do {streams:.2f}x the streams/s of {fewest}"
                f" ({streams / (workers / fewest):.0%} of linear), at {cpu:.2f}x the CPU per stream."
            )
    lines.extend(f"\nPinning: {note}." for note in sorted({run["pinning"] for run in runs}))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=[*servers.MERAK_SERVERS, *servers.REFERENCES], default="uvicorn")
    parser.add_argument("--compare", help="servers to alternate, comma-separated (e.g. uvicorn,reference-fixed)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--phases", default="create", help=f"with --compare or --scale: some of {','.join(PHASES)}")
    parser.add_argument("--workers", type=int, help="server worker processes (uvicorn's --workers); 1 by default")
    parser.add_argument("--scale", help="worker counts to alternate, comma-separated (e.g. 1,2), side by side")
    parser.add_argument("--model", choices=servers.MODELS, default="fixed", help="Merak's model: planner = offline")
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
    parser.add_argument("--out", metavar="FILE", help="--compare, --scale: append every run's JSON to FILE")
    args = parser.parse_args()

    kinds = args.compare.split(",") if args.compare else [args.server]
    if args.scale and args.workers:
        parser.error("--scale gives the worker counts: not with --workers")
    worker_counts = [int(n) for n in args.scale.split(",")] if args.scale else [args.workers or 1]
    if min(worker_counts) < 1:
        parser.error("worker counts are 1 or more")
    references = [kind for kind in kinds if kind in servers.REFERENCES]
    if args.model != "fixed" and references:
        parser.error(
            f"--model {args.model} is Merak's: the references ({', '.join(references)}) have only the fixed reply"
        )
    if "daphne" in kinds and max(worker_counts) > 1:
        parser.error("daphne runs one process: --workers and --scale are for uvicorn and the references")
    reads = args.reads or (bool(args.compare or args.scale) and "reads" in args.phases.split(","))
    if references and reads and max(worker_counts) > 1:
        parser.error(
            "the references keep their store in memory, one per worker: with several workers only their creates"
            " (create, c1, open) compare; leave out the reads or the references"
        )
    args.cores = sorted(os.sched_getaffinity(0))

    with tempfile.TemporaryDirectory() as tmp:
        if not (args.compare or args.scale):
            workers = worker_counts[0]
            running = Running(
                args.server, args, Path(tmp), workers=workers, placement=pinning(workers, args.cores, pin=args.pin)
            )
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
                        create=running.create,
                        workers=workers,
                        **options,
                    )
                )
            finally:
                running.stop()
            print(json.dumps({**running.describe(), **summary}, indent=2))
            return
        # One placement for every row, the largest worker count's: the rows compared share the conditions.
        placement = pinning(max(worker_counts), args.cores, pin=args.pin)
        runs = []
        for _ in range(args.rounds):
            for kind in kinds:
                for workers in worker_counts:
                    running = Running(kind, args, Path(tmp), workers=workers, placement=placement)
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
