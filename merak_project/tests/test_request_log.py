"""Every request leaves one JSON log line with its facts, and never a message's text or a secret."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from chatkit_app.testing.protocol import CREATE, bearer, proxy_headers, read_events, read_until_text, wait_for
from merak_project.log_format import JsonFormatter
from merak_project.request_log import RequestLogMiddleware

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_TEXT = "my passport number is X1234567"


@pytest.fixture
def log_lines(caplog):
    """The `merak.requests` lines so far, as the configured formatter writes them, parsed back from JSON."""
    caplog.set_level(logging.INFO, logger="merak.requests")
    formatter = JsonFormatter()

    def lines() -> list[dict]:
        return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "merak.requests"]

    return lines


def everything_logged(caplog) -> str:
    formatter = JsonFormatter()
    return "\n".join(formatter.format(record) for record in caplog.records)


def test_settings_make_the_console_write_json_lines():
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]

    assert any(isinstance(h.formatter, JsonFormatter) for h in handlers)


def test_the_formatter_writes_one_json_object_per_line_with_extra_fields():
    record = logging.LogRecord("merak.requests", logging.INFO, __file__, 1, "multi\nline %s", ("x",), None)
    record.user_id = "alice"
    record.request = object()  # Django's `extra`: not a fact worth a field

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "multi\nline x" and entry["user_id"] == "alice" and entry["level"] == "INFO"
    assert "request" not in entry and "time" in entry


async def test_a_json_request_is_logged_with_its_facts(chatkit, create_thread, log_lines):
    thread_id, _ = await create_thread()

    reply = await chatkit(
        {"type": "threads.get_by_id", "params": {"thread_id": thread_id}},
        headers={**proxy_headers(), "X-Request-ID": "req-42"},
    )

    assert reply.headers["X-Request-ID"] == "req-42"
    line = log_lines()[-1]
    assert line["logger"] == "merak.requests"
    assert {
        k: line[k] for k in ("request_id", "method", "route", "status", "user_id", "thread_id", "request_type")
    } == {
        "request_id": "req-42",
        "method": "POST",
        "route": "/chatkit",
        "status": 200,
        "user_id": "alice",
        "thread_id": thread_id,
        "request_type": "threads.get_by_id",
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "events" not in line


async def test_a_stream_is_logged_when_it_ends_with_its_events_and_bytes(chatkit, log_lines):
    reply = await chatkit(CREATE)

    line = log_lines()[-1]
    assert line["request_type"] == "threads.create"
    assert line["thread_id"] == reply.of_type("thread.created")[0]["thread"]["id"]
    assert line["events"] == len(reply.events) and line["bytes"] == len(reply.body)
    assert line["cancelled"] is False and line["status"] == 200


async def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(chatkit, log_lines):
    plain = await chatkit({"type": "threads.list", "params": {}})
    odd = await chatkit({"type": "threads.list", "params": {}}, headers={**proxy_headers(), "X-Request-ID": "a b\n<c>"})

    for reply, line in zip((plain, odd), log_lines()[-2:], strict=True):
        assert len(reply.headers["X-Request-ID"]) == 32
        assert line["request_id"] == reply.headers["X-Request-ID"]
    assert plain.headers["X-Request-ID"] != odd.headers["X-Request-ID"]


async def test_errors_are_logged_with_their_code(chatkit, log_lines):
    await chatkit({"type": "threads.list", "params": {}}, headers={})
    await chatkit(b"{oops")

    refused, malformed = log_lines()[-2:]
    assert (refused["status"], refused["error"]) == (401, "missing_credentials") and "user_id" not in refused
    assert (malformed["status"], malformed["error"], malformed["user_id"]) == (400, "invalid_json", "alice")


async def test_every_request_is_logged_not_only_chatkit(async_client, log_lines):
    response = await async_client.get("/healthz", headers={"X-Request-ID": "probe-1"})

    assert response.headers["X-Request-ID"] == "probe-1"
    assert log_lines()[-1]["route"] == "/healthz" and log_lines()[-1]["status"] == 200


async def test_no_message_text_or_secret_is_ever_logged(
    chatkit, async_client, issue_token, caplog, log_lines, settings
):
    caplog.set_level(logging.DEBUG)
    secret = await issue_token("alice")
    body = {
        **CREATE,
        "params": {"input": {**CREATE["params"]["input"], "content": [{"type": "input_text", "text": SECRET_TEXT}]}},
    }

    created = await chatkit(body, headers=bearer(secret))
    await chatkit(b'{"type": "nope", "text": "' + SECRET_TEXT.encode() + b'"}', headers=bearer(secret))
    await chatkit({"type": "threads.list", "params": {}}, headers=bearer(secret + "x"))
    started = await async_client.post(
        "/chatkit/token/start",
        data={"user_id": "alice"},
        content_type="application/json",
        headers=bearer(settings.MERAK_SERVER_API_KEY),
    )

    assert created.status == 200 and started.status_code == 200
    logged = everything_logged(caplog)
    for forbidden in (SECRET_TEXT, "X1234567", secret, started.json()["client_secret"], settings.MERAK_SERVER_API_KEY):
        assert forbidden not in logged
    assert len(log_lines()) >= 4


async def test_signed_attachment_urls_are_logged_by_route_not_path(async_client, log_lines):
    await async_client.get("/chatkit/attachments/atc_x:signature-that-is-a-capability")

    line = log_lines()[-1]
    assert line["route"] == "/chatkit/attachments/<str:token>"
    assert "signature-that-is-a-capability" not in json.dumps(line)


def test_a_stream_the_client_leaves_is_logged_as_cancelled(asgi_server, settings, log_lines):
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 5

    with (
        httpx.Client(timeout=30) as client,
        client.stream("POST", f"{asgi_server}/chatkit", json=CREATE, headers=proxy_headers()) as response,
    ):
        request_id = response.headers["X-Request-ID"]
        read_until_text(read_events(response))

    wait_for(lambda: any(line["request_id"] == request_id for line in log_lines()))
    line = next(line for line in log_lines() if line["request_id"] == request_id)
    assert line["cancelled"] is True and line["events"] > 0 and line["bytes"] > 0


def test_the_middleware_is_first():
    from django.conf import settings

    assert settings.MIDDLEWARE[0] == f"{RequestLogMiddleware.__module__}.{RequestLogMiddleware.__name__}"
