"""The servers the load benchmark runs, started as they are deployed, and what they cost in CPU.

- `uvicorn`: Merak (scripts/run_chatkit_server.py, `--workers N`, one by
  default), on a fresh database, with the 50-delta fixed-reply model or (`model="planner"`)
  the offline planner it runs without an API key; `daphne`: the same under daphne (one process).
- `reference`: bench/reference_server.py, FastAPI + the ChatKit SDK as shipped;
  `reference-fixed`: the same with the SDK's request schema built once. Several workers
  (uvicorn's `--workers`) each keep a store of their own, in memory.

With several workers uvicorn runs a supervisor process and the workers as its children:
`tree_cpu_seconds` counts them all.

Merak runs with every guard on: rate and open-stream limits (counted, with
ceilings no benchmark user reaches), the thread lease, the JSON request log
(written to a file, as a log shipper would read it) and, when the benchmark
asks for it, its limits counted in Redis (`--cache redis`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER_KEY = "bench-server-key"
MERAK_SERVERS = ("uvicorn", "daphne")
REFERENCES = ("reference", "reference-fixed")

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
# A database of this run's own: runs side by side must not drop each other's.
POSTGRES_DB = f"merak_bench_{os.getpid()}"
# A Redis database no test uses (they use 14 and 15): the benchmark flushes it before each server.
REDIS_URL = "redis://127.0.0.1:6379/11"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def fresh_redis() -> str:
    """The benchmark's Redis database, emptied."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


MODELS = ("fixed", "planner")


def server_env(db_url: str, *, cache_url: str = "", request_log: bool = False, model: str = "fixed") -> dict[str, str]:
    """Merak's environment. `model`: "fixed" (bench/fixed_reply_model.py) or "planner", the offline Trip Planner
    (agents_app/offline: its tools, itinerary card, workflow and title), which Merak runs when it has no API key and
    MERAK_MODEL names no model class."""
    env = {
        **os.environ,
        # A PYTHONPATH given to the benchmark goes first: how the SDK patches in bench/ are measured.
        "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)])),
        "DATABASE_URL": db_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-secret",
        "OPENAI_API_KEY": "",
        "MERAK_MODEL": "bench.fixed_reply_model.FixedReplyModel",
        "MERAK_OFFLINE_STREAM_DELAY_MS": "0",
        "MERAK_SERVER_API_KEY": SERVER_KEY,
        # Load from a handful of users is not abuse: the limits are counted, with ceilings no client reaches.
        "MERAK_RATE_LIMIT_REQUESTS": "1000000",
        "MERAK_MAX_OPEN_STREAMS_PER_USER": "1000",
        # INFO writes the request log, one JSON line per request (merak.requests).
        "LOG_LEVEL": "INFO" if request_log else "WARNING",
        "LOG_FORMAT": "json",
    }
    if cache_url:
        env["CACHE_URL"] = cache_url
    if model == "planner":
        # No key and no class path: `agents_app.providers.get_model` gives the offline planner. Its pause between
        # words (MERAK_OFFLINE_STREAM_DELAY_MS) stays 0, as for the fixed reply: CPU and queues, not sleeps.
        env.pop("MERAK_MODEL")
        env.pop("MERAK_MODELS", None)
    elif model != "fixed":
        raise ValueError(f"model {model!r}: one of {MODELS}")
    return env


def start_server(
    kind: str,
    port: int,
    env: dict[str, str],
    *,
    cores: list[int] | None = None,
    workers: int = 1,
    log: IO[bytes] | None = None,
) -> subprocess.Popen:
    """Start `kind` on `port` with `workers` worker processes (on CPUs `cores` alone, when given); return once
    every worker serves."""
    if kind in REFERENCES:
        command = [PYTHON, "bench/reference_server.py", "--port", str(port), "--workers", str(workers)]
        if kind == "reference-fixed":
            command.append("--fixed")
    else:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
        )
    if kind == "uvicorn":
        command = [PYTHON, "scripts/run_chatkit_server.py", "--port", str(port), "--workers", str(workers)]
    elif kind == "daphne":
        if workers != 1:
            raise SystemExit("daphne runs one process: --workers is for uvicorn and the references")
        command = [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "merak_project.asgi:application"]
    if cores is not None:
        # Pinned before it starts: every thread and worker process it starts inherits the mask.
        command = ["taskset", "--cpu-list", ",".join(map(str, cores)), *command]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log or subprocess.PIPE,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None:
                raise SystemExit(
                    f"server exited with {server.returncode}; its log: {log.name if log else ''}"
                ) from None
            time.sleep(0.2)
    else:
        raise SystemExit("server did not start")
    if workers > 1:
        wait_for_workers(server, workers, deadline, log)
    return server


def wait_for_workers(server: subprocess.Popen, workers: int, deadline: float, log: IO[bytes] | None) -> None:
    """Wait until `server` has `workers` children and each has finished starting.

    uvicorn's supervisor listens before its workers are up (a one-worker uvicorn listens only once its
    app has started), and nothing outside a worker says when it is ready: a worker is taken as started
    once it stops burning CPU (under 10% of a core over half a second), its imports and start-up done.
    """
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}; its log: {log.name if log else ''}")
        children = worker_pids(server.pid)
        if len(children) >= workers:
            before = {pid: cpu_seconds(pid) for pid in children}
            time.sleep(0.5)
            if all(cpu_seconds(pid) - before[pid] < 0.05 for pid in children):
                return
        else:
            time.sleep(0.2)
    raise SystemExit(f"the server's {workers} workers did not start")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, all its threads, so far (0 once it has ended)."""
    try:
        # Fields after the command name (which may hold spaces, hence the split at its closing parenthesis).
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_tree(root: int) -> list[int]:
    """`root` and its descendants (a supervisor's workers, their children), root first."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # the process ended meanwhile
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, index = [root], 0
    while index < len(tree):
        tree.extend(sorted(children.get(tree[index], [])))
        index += 1
    return tree


def worker_pids(root: int) -> list[int]:
    """The worker processes under a uvicorn supervisor: those multiprocessing spawned (not its resource tracker)."""
    found = []
    for pid in process_tree(root)[1:]:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing.spawn" in command:
            found.append(pid)
    return found


def tree_cpu_seconds(root: int) -> dict[int, float]:
    """CPU time so far of `root` and of each of its descendants, by pid, root first."""
    return {pid: cpu_seconds(pid) for pid in process_tree(root)}


def database_cpu_seconds() -> dict[int, float]:
    """CPU time so far of each PostgreSQL and Redis process on the machine, by pid (theirs to spend on queries)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        if name.startswith(("postgres", "redis-server")):
            fields = text.rsplit(")", 1)[1].split()
            found[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return found


def database_cpu_since(before: dict[int, float]) -> float:
    """Their CPU time since `before`: processes that ended meanwhile are left out, new ones count whole."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in database_cpu_seconds().items())
