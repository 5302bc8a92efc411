"""Speaking the ChatKit protocol in tests: requests as the client sends them, credentials, replies and SSE
streams read back, and a snapshot of everything stored."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
from django.conf import settings
from django.db import OperationalError
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings


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

    @property
    def assistant_text(self) -> str:
        """The text of every assistant message the stream completed."""
        done = [e["item"] for e in self.of_type("thread.item.done") if e["item"]["type"] == "assistant_message"]
        return "".join(part["text"] for item in done for part in item["content"])


def user_input(text: str = "hello", attachments: list[str] | None = None) -> dict:
    """A ChatKit `UserMessageInput`, as the client sends it."""
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": attachments or [],
        "inference_options": {},
    }


def proxy_headers(user: str = "alice") -> dict[str, str]:
    """Trusted-proxy credentials: the server key, and the user it acts for."""
    return {"Authorization": f"Bearer {settings.MERAK_SERVER_API_KEY}", "X-User-ID": user}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# Each pytest-xdist worker (gw0, gw1...) has Redis databases of its own: two each, counting down from 15.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_DB = 15 - 2 * _WORKER
# For the tests of workers sharing a Redis (chatkit_app/runs/tests/test_workers.py), emptied around each.
WORKERS_REDIS_DB = REDIS_DB - 1
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def local(url: str) -> str:
    """The path of a URL Django handed out (an attachment's upload or preview link), for the test client."""
    return "/" + url.split("/", 3)[3]


async def stored_rows() -> dict[str, list]:
    """Everything stored, to show a request changed nothing."""
    from chatkit_app import models

    tables = {
        "threads": models.Thread.objects.order_by("seq").values_list(
            "thread_id", "user_id", "title", "status", "updated_at", "data"
        ),
        "items": models.Item.objects.order_by("seq").values_list("item_id", "thread_id", "user_id", "data"),
        "feedback": models.Feedback.objects.order_by("id").values_list("item_id", "user_id", "kind"),
        "attachments": models.Attachment.objects.order_by("pk").values_list(
            "attachment_id", "user_id", "thread_id", "data"
        ),
        "tokens": models.ClientToken.objects.order_by("id").values_list("id", "user_id", "expires_at", "revoked_at"),
        "leases": models.ThreadLease.objects.order_by("id").values_list("thread_id", "user_id"),
    }
    return {name: [row async for row in rows] for name, rows in tables.items()}


CREATE = {
    "type": "threads.create",
    "params": {
        "input": {
            "content": [{"type": "input_text", "text": "4 days in Lisbon from 2027-03-12"}],
            "attachments": [],
            "inference_options": {},
        }
    },
}


def read_events(response: httpx.Response):
    """(arrival time, event) for each SSE event, as the bytes come off the socket."""
    buffer = b""
    for chunk in response.iter_raw():
        buffer += chunk
        while b"\n\n" in buffer:
            block, buffer = buffer.split(b"\n\n", 1)
            if block.startswith(b"data: "):
                yield time.monotonic(), json.loads(block[len(b"data: ") :])


def read_until_text(events: Iterator[tuple[float, dict]], words: int = 3) -> None:
    """Read events until the reply has written a few words (the stream is then well under way).

    Keep reading from the same `events`: a second `read_events()` cannot
    resume the stream, and dropping the first one closes the connection.
    """
    text = ""
    for _, event in events:
        update = event.get("update", {})
        if update.get("type") == "assistant_message.content_part.text_delta":
            text += update["delta"]
            if len(text.split()) >= words:
                return
    raise AssertionError("the stream ended before it wrote anything")


T = TypeVar("T")


def unlocked(read: Callable[[], T], timeout: float = 10) -> T:
    """`read()` from the test's thread while a server thread may be writing. SQLite's in-memory test database is
    one cache shared by its connections, and a reader that meets a writer's table lock fails at once ("database
    table is locked") where a database file would wait (busy_timeout); this waits the same way."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return read()
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(0.02)


def wait_for(condition: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not unlocked(condition):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


FUZZ = hypothesis_settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
