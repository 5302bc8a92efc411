"""`manage.py runserver` serves ASGI through daphne, and streams."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from django.conf import settings

from chatkit_app.testing.protocol import CREATE, proxy_headers, read_events
from chatkit_app.testing.servers import ROOT, free_port


@pytest.fixture
def runserver(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "OPENAI_API_KEY": "",
        "MERAK_MODEL": "gpt-4.1-mini",
        "MERAK_OFFLINE_STREAM_DELAY_MS": "5",
        "DJANGO_DEBUG": "true",
        "MERAK_SERVER_API_KEY": settings.MERAK_SERVER_API_KEY,
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            break
        except httpx.TransportError:
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "runserver did not start"
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)


def test_runserver_is_daphne_and_streams_events_as_they_come(runserver):
    with (
        httpx.Client(timeout=30) as client,
        client.stream("POST", f"{runserver}/chatkit", json=CREATE, headers=proxy_headers("dev")) as response,
    ):
        assert response.status_code == 200
        assert response.headers["server"].startswith("daphne")
        assert response.headers["content-type"] == "text/event-stream"
        arrivals = list(read_events(response))

    assert arrivals[0][1]["type"] == "thread.created"
    assert arrivals[-1][0] - arrivals[0][0] > 0.1, "events arrived spread out, not in one buffered block"
    text = "".join(
        event["item"]["content"][0]["text"]
        for _, event in arrivals
        if event["type"] == "thread.item.done" and event["item"]["type"] == "assistant_message"
    )
    assert "Lisbon" in text
