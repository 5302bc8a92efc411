"""Fixtures for the ChatKit surface: protocol calls through the real view, a real server."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import uvicorn


def parse_sse(raw: bytes) -> list[dict]:
    """The JSON payloads of an SSE body, in order."""
    events = []
    for block in raw.decode().split("\n\n"):
        for line in block.splitlines():
            if line.startswith("data: "):
                events.append(json.loads(line[len("data: ") :]))
    return events


@dataclass
class ChatKitReply:
    status: int
    headers: dict[str, str]
    body: bytes
    events: list[dict] = field(default_factory=list)

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    def of_type(self, event_type: str) -> list[dict]:
        return [event for event in self.events if event["type"] == event_type]


@pytest.fixture
def chatkit(async_client, transactional_db):
    """POST a ChatKit request (dict, or raw bytes) to /chatkit as a user; the whole reply."""

    async def call(request: dict | bytes | str, user: str = "alice", **headers: str) -> ChatKitReply:
        body = request if isinstance(request, (bytes, str)) else json.dumps(request)
        response = await async_client.post(
            "/chatkit", data=body, content_type="application/json", headers={"X-User-ID": user, **headers}
        )
        if response.streaming:
            raw = b"".join([chunk async for chunk in response.streaming_content])
        else:
            raw = response.content
        reply = ChatKitReply(response.status_code, dict(response.headers), raw)
        if response.headers.get("Content-Type", "").startswith("text/event-stream"):
            reply.events = parse_sse(raw)
        return reply

    return call


@pytest.fixture
def create_thread(chatkit):
    """Create a thread from one user message; returns (thread id, reply)."""

    async def create(text: str = "3 days in Lisbon from 2027-03-12", user: str = "alice") -> tuple[str, ChatKitReply]:
        reply = await chatkit(
            {
                "type": "threads.create",
                "params": {"input": {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}},
            },
            user=user,
        )
        assert reply.status == 200, reply.body
        return reply.of_type("thread.created")[0]["thread"]["id"], reply

    return create


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db) -> Iterator[str]:
    """The project's ASGI application served by uvicorn on a real socket; yields its base URL."""
    from merak_project.asgi import application

    port = free_port()
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
