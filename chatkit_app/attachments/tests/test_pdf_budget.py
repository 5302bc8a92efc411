"""A hostile PDF costs at most its budget: a child process with a CPU, memory and time limit, the worker untouched.

The PDFs are built here (`files.pdf_of_many_operators`): small files whose
pages share one Flate stream of megabytes of text operators, which pypdf
takes tens of seconds and hundreds of megabytes to read.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest
from chatkit.types import FileAttachment

from chatkit_app.attachments import model_input as reader
from chatkit_app.attachments import pdf_text
from chatkit_app.testing.files import pdf, pdf_of_many_operators
from chatkit_app.testing.protocol import local, proxy_headers, user_input

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_in_tmp")]

UNREAD = "[The user attached a file: hostile.pdf (application/pdf). Its text could not be read.]"


@pytest.fixture
def spawned(monkeypatch) -> list[int]:
    """The pid of every PDF reader started, as it starts."""
    pids: list[int] = []
    spawn = asyncio.create_subprocess_exec

    async def recording(*args, **kwargs):
        child = await spawn(*args, **kwargs)
        pids.append(child.pid)
        return child

    monkeypatch.setattr(pdf_text.asyncio, "create_subprocess_exec", recording)
    return pids


def alive(pid: int) -> bool:
    """Whether a process is still running (a zombie, which no one waited for, counts too)."""
    return Path(f"/proc/{pid}").exists()


def peak_rss_mb() -> float:
    """This process's resident memory at its highest so far."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def as_file(attachment: dict) -> FileAttachment:
    return FileAttachment(id=attachment["id"], name=attachment["name"], mime_type=attachment["mime_type"])


async def test_a_pdf_past_its_cpu_budget_is_stopped_once_and_the_model_told_it_could_not_be_read(
    attach, monkeypatch, spawned, caplog
):
    monkeypatch.setattr(pdf_text, "CPU_SECONDS", 1)
    monkeypatch.setattr(pdf_text, "WALL_SECONDS", 60)  # the CPU limit must be what stops it, however busy the machine
    hostile = as_file(await attach("hostile.pdf", "application/pdf", pdf_of_many_operators(megabytes=4)))
    peak_before = peak_rss_mb()

    first = await reader.attachment_input(hostile, send_images=False)
    again = await reader.attachment_input(hostile, send_images=False)

    assert first == again == {"type": "input_text", "text": UNREAD}
    assert len(spawned) == 1, "a version found unreadable is not read again"
    assert not alive(spawned[0])
    assert peak_rss_mb() - peak_before < 20, "the worker holds the file, never what pypdf makes of it"
    assert "took over 1 s of CPU" in caplog.text, "stopped by its CPU limit (unbounded, it takes over 10 s)"


async def test_a_pdf_past_its_memory_budget_is_stopped(attach, monkeypatch, spawned, caplog):
    monkeypatch.setattr(pdf_text, "MEMORY_BYTES", 96 * 1024 * 1024)  # ~45 MB above what the reader needs to start
    hostile = as_file(await attach("hostile.pdf", "application/pdf", pdf_of_many_operators(megabytes=10, pages=1)))

    part = await reader.attachment_input(hostile, send_images=False)

    assert part == {"type": "input_text", "text": UNREAD}
    assert "needed over 100663296 bytes" in caplog.text, "stopped by its memory limit, before its CPU limit"
    assert not alive(spawned[0])


async def test_a_parse_past_its_wall_clock_budget_is_killed(attach, monkeypatch, spawned, caplog):
    monkeypatch.setattr(pdf_text, "WALL_SECONDS", 0.01)  # less than a reader takes to start
    booking = as_file(await attach("hostile.pdf", "application/pdf", pdf("Hotel in Porto")))

    part = await reader.attachment_input(booking, send_images=False)

    assert part == {"type": "input_text", "text": UNREAD}
    assert not alive(spawned[0]), "killed, and waited for"
    assert "took over 0.01 s" in caplog.text


async def test_a_reader_is_killed_when_its_request_goes_away(attach, spawned):
    hostile = as_file(await attach("hostile.pdf", "application/pdf", pdf_of_many_operators(megabytes=4)))
    reading = asyncio.create_task(reader.attachment_input(hostile, send_images=False))
    while not spawned:
        await asyncio.sleep(0.01)

    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    deadline = time.monotonic() + 2
    while alive(spawned[0]) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)

    assert not alive(spawned[0])


async def test_a_worker_runs_at_most_max_concurrent_readers_at_once(attach, monkeypatch, spawned):
    monkeypatch.setattr(pdf_text, "MAX_CONCURRENT", 1)
    others_alive_at_each_start = []
    spawn = pdf_text.asyncio.create_subprocess_exec

    async def counting(*args, **kwargs):
        others_alive_at_each_start.append(sum(alive(pid) for pid in spawned))
        return await spawn(*args, **kwargs)

    monkeypatch.setattr(pdf_text.asyncio, "create_subprocess_exec", counting)
    data = pdf_of_many_operators(megabytes=1, pages=1)  # ~0.6 s each
    pdfs = [as_file(await attach(f"hostile{n}.pdf", "application/pdf", data)) for n in range(3)]

    await asyncio.gather(*(reader.attachment_input(document, send_images=False) for document in pdfs))

    assert others_alive_at_each_start == [0, 0, 0]


async def test_the_reader_gets_no_secrets_and_runs_below_the_workers_priority(attach, monkeypatch, spawned):
    seen: dict = {}
    spawn = pdf_text.asyncio.create_subprocess_exec

    async def inspecting(*args, **kwargs):
        child = await spawn(*args, **kwargs)
        limits, deadline = Path(f"/proc/{child.pid}/limits"), time.monotonic() + 5
        while str(pdf_text.MEMORY_BYTES) not in limits.read_text() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # until it has limited itself: then it waits for its standard input
        seen["environ"] = Path(f"/proc/{child.pid}/environ").read_bytes()
        seen["nice"] = int(Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        seen["limits"] = Path(f"/proc/{child.pid}/limits").read_text()
        return child

    monkeypatch.setattr(pdf_text.asyncio, "create_subprocess_exec", inspecting)
    await reader.attachment_input(
        as_file(await attach("booking.pdf", "application/pdf", pdf("Porto"))), send_images=False
    )

    assert seen["environ"] == b""
    assert seen["nice"] >= os.nice(0) + 10
    assert f"{pdf_text.MEMORY_BYTES}" in seen["limits"].split("Max address space")[1].splitlines()[0]


async def test_the_worker_keeps_answering_while_a_hostile_pdf_is_read(asgi_server, monkeypatch, spawned):
    monkeypatch.setattr(pdf_text, "CPU_SECONDS", 2)
    async with httpx.AsyncClient(base_url=asgi_server, headers=proxy_headers(), timeout=60) as client:
        params = {"name": "hostile.pdf", "size": 1, "mime_type": "application/pdf"}
        attachment = (await client.post("/chatkit", json={"type": "attachments.create", "params": params})).json()
        files = {"file": ("hostile.pdf", pdf_of_many_operators(megabytes=4), "application/pdf")}
        assert (await client.post(local(attachment["upload_descriptor"]["url"]), files=files)).status_code == 200
        request = {"type": "threads.create", "params": {"input": user_input("Plan this trip", [attachment["id"]])}}
        planning = asyncio.create_task(client.post("/chatkit", json=request))

        latencies = []
        while not planning.done():
            started = time.perf_counter()
            health = await client.get("/healthz")
            latencies.append(time.perf_counter() - started)
            assert health.status_code == 200
            await asyncio.sleep(0.05)
        reply = await planning

    assert len(latencies) >= 10, "the reader ran for a second or more"
    assert max(latencies) < 0.1, f"/healthz took up to {max(latencies) * 1000:.0f} ms"
    assert reply.status_code == 200 and "thread.item.done" in reply.text
    assert len(spawned) == 1 and not alive(spawned[0])
