#!/usr/bin/env python
"""What replies whose clients left cost a worker: its memory with N of them running at once.

Starts one uvicorn worker (scripts/run_chatkit_server.py) on a fresh database
with a model that answers slowly (chatkit_app/testing/replies.py: one word
every --delay-ms), opens N `threads.create` streams, each as its own user,
and hangs up on each after its first event, so that N replies run on,
detached. Reports the worker's resident memory before, with the N replies
running (and every one's lease taken, checked in the database), and after
they have all been stopped; then the memory per detached reply.

    .venv/bin/python bench/detached_runs.py --runs 1000 [--db postgres] [--delay-ms 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import SERVER_KEY, database_url, drop_database, free_port, server_env, start_server  # noqa: E402


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def body(text: str) -> bytes:
    message = {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}
    return json.dumps({"type": "threads.create", "params": {"input": message}}).encode()


async def start_and_leave(port: int, user: str, words: int) -> str:
    """Open a reply as `user`, read its first event (the new thread's id), hang up."""
    payload = body(f"say {words} words")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"POST /chatkit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {SERVER_KEY}\r\nX-User-ID: {user}\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode()
        + payload
    )
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(status.decode(errors="replace"))
    while await reader.readline() not in (b"\r\n", b""):
        pass
    await reader.readline()  # chunk size
    first = await reader.readline()
    writer.close()
    return json.loads(first[len(b"data: ") :])["thread"]["id"]


async def stop(port: int, user: str, thread_id: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"POST /chatkit/runs/{thread_id}/cancel HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {SERVER_KEY}\r\nX-User-ID: {user}\r\nContent-Length: 0\r\n\r\n"
        ).encode()
    )
    await reader.readline()
    writer.close()


async def measure(port: int, pid: int, runs: int, words: int) -> dict[str, float]:
    await asyncio.sleep(2)
    before = resident_kib(pid)
    started = time.monotonic()
    threads = []
    for batch in range(0, runs, 50):  # 50 at a time: the first events come quickly
        threads += await asyncio.gather(
            *(start_and_leave(port, f"bench-{n}", words) for n in range(batch, min(runs, batch + 50)))
        )
    opened = time.monotonic() - started
    await asyncio.sleep(5)
    during = resident_kib(pid)
    for batch in range(0, runs, 50):
        await asyncio.gather(*(stop(port, f"bench-{n}", threads[n]) for n in range(batch, min(runs, batch + 50))))
    await asyncio.sleep(3)
    after = resident_kib(pid)
    return {
        "runs": runs,
        "opened_in_s": round(opened, 1),
        "rss_before_mib": round(before / 1024, 1),
        "rss_with_runs_mib": round(during / 1024, 1),
        "rss_after_stop_mib": round(after / 1024, 1),
        "kib_per_detached_run": round((during - before) / runs, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--delay-ms", type=int, default=5000, help="between a reply's words")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(database_url(args.db, Path(tmp)))
        env |= {
            "MERAK_MODEL": "chatkit_app.testing.replies.WordsModel",
            "MERAK_OFFLINE_STREAM_DELAY_MS": str(args.delay_ms),
            "MERAK_MAX_OPEN_STREAMS_PER_USER": "0",
            "MERAK_RUN_MAX_SECONDS": "3600",
        }
        port = free_port()
        server = start_server("uvicorn", port, env)
        try:
            figures = asyncio.run(measure(port, server.pid, args.runs, words=1000))
        finally:
            server.terminate()
            server.wait(timeout=120)
            drop_database(args.db)
    figures |= {"db": args.db, "delay_ms": args.delay_ms}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "merak_project.settings")
    main()
