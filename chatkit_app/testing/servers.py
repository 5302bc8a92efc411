"""Merak as its own server processes (`scripts/run_chatkit_server.py`), on the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_test_database_url(host: str | None = None, port: int | None = None) -> str:
    """The URL of this run's PostgreSQL test database (skips the test on SQLite, whose test database
    lives in this process's memory, out of other processes' reach); `host`/`port` reach it another way."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite's test database lives in this process's memory")
    db = connection.settings_dict
    host = host or db["HOST"] or "127.0.0.1"
    port = port or db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{db['NAME']}"


def server_env(database_url: str, **overrides: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_POOL_MAX_SIZE": "4",
        "DJANGO_DEBUG": "true",
        "MERAK_SERVER_API_KEY": settings.MERAK_SERVER_API_KEY,
        "OPENAI_API_KEY": "",
        "MERAK_MODEL": "gpt-4.1-mini",
        "MERAK_OFFLINE_STREAM_DELAY_MS": "5",
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


def wait_until_healthy(process: subprocess.Popen, base_url: str, log, *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            pytest.fail(f"the server at {base_url} did not start:\n{log.read().decode()}")
        time.sleep(0.2)


@contextmanager
def servers(database_url: str, count: int = 1, **env: str) -> Iterator[list[tuple[str, subprocess.Popen]]]:
    """`count` server processes on `database_url`, each of one worker: (base URL, process) for each."""
    with tempfile.TemporaryFile() as log:
        started = []
        try:
            for _ in range(count):
                port = free_port()
                command = [sys.executable, str(ROOT / "scripts" / "run_chatkit_server.py"), "--port", str(port)]
                process = subprocess.Popen(
                    [*command, "--workers", "1"], env=server_env(database_url, **env), stdout=log, stderr=log
                )
                started.append((f"http://127.0.0.1:{port}", process))
            for base_url, process in started:
                wait_until_healthy(process, base_url, log)
            yield started
        finally:
            for _, process in started:
                if process.poll() is None:
                    process.terminate()
            for _, process in started:
                process.wait(timeout=15)
