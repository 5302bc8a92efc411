"""A database outage: a server process whose PostgreSQL goes away answers fast 503s, then recovers by itself.

The server runs as its own process (`scripts/run_chatkit_server.py`) and reaches
the test database through a TCP proxy that the test cuts, as when PostgreSQL
stops or its host goes away, and restores.
"""

from __future__ import annotations

import time

import httpx
import pytest

from chatkit_app.testing.protocol import bearer, proxy_headers
from chatkit_app.testing.servers import postgres_test_database_url, servers
from chatkit_app.testing.tcp_proxy import TcpProxy

pytestmark = pytest.mark.django_db(transaction=True)

# What the issue asks: an answer within this, whatever the database does.
ANSWER_WITHIN_SECONDS = 2.0
LIST_THREADS = {"type": "threads.list", "params": {}}


@pytest.fixture
def proxied_server(django_db_setup):
    """(server base URL, the proxy between that server and its database)."""
    postgres_test_database_url()  # skips on SQLite
    from django.db import connection

    proxy = TcpProxy(connection.settings_dict["HOST"] or "127.0.0.1", int(connection.settings_dict["PORT"] or 5432))
    proxy.up()
    try:
        with servers(postgres_test_database_url(port=proxy.port)) as [(base_url, _)]:
            yield base_url, proxy
    finally:
        proxy.stop()


def timed(call) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_unavailable(response: httpx.Response, took: float) -> None:
    assert took < ANSWER_WITHIN_SECONDS, f"answered after {took:.2f} s"
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "database_unavailable"
    assert int(response.headers["Retry-After"]) > 0


def test_requests_get_a_fast_503_while_the_database_is_down_and_succeed_once_it_is_back(proxied_server, settings):
    base_url, proxy = proxied_server
    key = {"Authorization": f"Bearer {settings.MERAK_SERVER_API_KEY}"}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        secret = client.post("/chatkit/token/start", json={"user_id": "alice"}, headers=key).json()["client_secret"]
        assert client.post("/chatkit", json=LIST_THREADS, headers=bearer(secret)).status_code == 200

        proxy.down()
        for _ in range(2):  # the pooled connections break first, then new ones are refused
            assert_unavailable(*timed(lambda: client.post("/chatkit", json=LIST_THREADS, headers=bearer(secret))))
            assert_unavailable(*timed(lambda: client.post("/chatkit", json=LIST_THREADS, headers=proxy_headers())))
            assert_unavailable(
                *timed(lambda: client.post("/chatkit/token/start", json={"user_id": "alice"}, headers=key))
            )
        health, took = timed(lambda: client.get("/healthz"))
        assert took < ANSWER_WITHIN_SECONDS and health.status_code == 503
        assert health.json()["database"] == "unreachable"

        proxy.up()
        deadline = time.monotonic() + 15
        while (answer := client.post("/chatkit", json=LIST_THREADS, headers=bearer(secret))).status_code != 200:
            assert answer.status_code == 503 and time.monotonic() < deadline, answer.text
            time.sleep(0.2)
        assert client.get("/healthz").status_code == 200
