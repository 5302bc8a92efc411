"""A client hanging up, at any moment of a reply, is normal: nothing is logged as an error and nothing is left held."""

from __future__ import annotations

import gc
import json
import logging
import socket
import time

import pytest

from chatkit_app.models import ThreadLease
from chatkit_app.testing.protocol import CREATE, proxy_headers, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def send_and_hang_up(base_url: str, request: dict, after_seconds: float) -> None:
    """POST `request` over a raw socket, then close it `after_seconds` later, unread."""
    port = int(base_url.rsplit(":", 1)[1])
    body = json.dumps(request).encode()
    headers = {**proxy_headers(), "Host": "127.0.0.1", "Content-Type": "application/json"}
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(f"POST /chatkit HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        time.sleep(after_seconds)


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_hanging_up_at_any_moment_logs_no_error_and_frees_the_thread(asgi_server, settings, caplog):
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 2
    caplog.set_level(logging.WARNING)

    for after_seconds in (0, 0.001, 0.005, 0.02, 0.05, 0.1):
        send_and_hang_up(asgi_server, CREATE, after_seconds)
    wait_for(lambda: not ThreadLease.objects.exists())
    time.sleep(0.5)  # what the server still does after the hang-ups
    gc.collect()  # tasks left pending are reported as they are collected

    problems = [f"{r.name}: {r.getMessage()[:300]}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert problems == []
