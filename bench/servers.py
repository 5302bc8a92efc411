"""The servers the load benchmark runs, started as they are deployed, and what they cost in CPU.

- `uvicorn`: Merak (scripts/run_chatkit_server.py, one worker), on a fresh
  database, with the 50-delta fixed-reply model; `daphne`: the same under daphne.
- `reference`: bench/reference_server.py, FastAPI + the ChatKit SDK as shipped;
  `reference-fixed`: the same with the SDK's request schema built once.

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


def server_env(db_url: str, *, cache_url: str = "", request_log: bool = False) -> dict[str, str]:
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
    return env


def start_server(
    kind: str, port: int, env: dict[str, str], *, core: int | None = None, log: IO[bytes] | None = None
) -> subprocess.Popen:
    """Start `kind` on `port` (on CPU `core` alone, when given); return once it accepts connections."""
    if kind in REFERENCES:
        command = [PYTHON, "bench/reference_server.py", "--port", str(port)]
        if kind == "reference-fixed":
            command.append("--fixed")
    else:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
        )
    if kind == "uvicorn":
        command = [PYTHON, "scripts/run_chatkit_server.py", "--port", str(port), "--workers", "1"]
    elif kind == "daphne":
        command = [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "merak_project.asgi:application"]
    if core is not None:
        # Pinned before it starts: every thread it starts inherits the mask.
        command = ["taskset", "--cpu-list", str(core), *command]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log or subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(
                    f"server exited with {server.returncode}; its log: {log.name if log else ''}"
                ) from None
            time.sleep(0.2)
    raise SystemExit("server did not start")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, all its threads, so far."""
    # Fields after the command name (which may hold spaces, hence the split at its closing parenthesis).
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


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
