"""Bad requests get a JSON error with the right status, and nothing stored changes."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from chatkit_app import models

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def client_errors_log_no_errors(caplog):
    """A bad request is the client's error, not the server's: none may leave an ERROR line or a
    traceback (anyone could flood the error log with them)."""
    caplog.set_level(logging.WARNING)
    yield
    assert [f"{r.name}: {r.getMessage()}" for r in caplog.get_records("call") if r.levelno >= logging.ERROR] == []


async def snapshot() -> tuple:
    """Everything stored, to compare before and after a bad request."""
    threads = [t async for t in models.Thread.objects.order_by("seq").values_list("thread_id", "title", "data")]
    items = [i async for i in models.Item.objects.order_by("seq").values_list("item_id", "data")]
    return threads, items, await models.Feedback.objects.acount(), await models.Attachment.objects.acount()


@pytest.fixture
async def existing_thread(create_thread) -> str:
    thread_id, _ = await create_thread()
    return thread_id


def assert_json_error(reply, status: int, code: str | None = None) -> None:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"].startswith("application/json")
    error = reply.json["error"]
    assert error["message"] and "Traceback" not in error["message"]
    if code:
        assert error["code"] == code


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"", "invalid_json"),
        (b"[]", "invalid_request"),
        (b'"threads.list"', "invalid_request"),
        (b"{}", "invalid_request"),
        (b'{"type": "threads.explode", "params": {}}', "unknown_request_type"),
        (b'{"type": "threads.get_by_id"}', "invalid_request"),
        (b'{"type": "threads.get_by_id", "params": {"thread_id": 7}}', "invalid_request"),
        (b'{"type": "threads.create", "params": {"input": {"content": "hi"}}}', "invalid_request"),
        (b'{"type": "threads.list", "params": {"limit": -1}}', "invalid_request"),
        (b'{"type": "items.feedback", "params": {"thread_id": "t", "item_ids": [], "kind": "meh"}}', "invalid_request"),
    ],
)
async def test_malformed_requests_are_400_and_change_nothing(chatkit, existing_thread, body, code):
    before = await snapshot()

    reply = await chatkit(body)

    assert_json_error(reply, 400, code)
    assert await snapshot() == before


@pytest.mark.parametrize(
    "request_body",
    [
        {"type": "threads.get_by_id", "params": {"thread_id": "thr_missing"}},
        {"type": "threads.update", "params": {"thread_id": "thr_missing", "title": "x"}},
        {"type": "threads.delete", "params": {"thread_id": "thr_missing"}},
        {"type": "items.list", "params": {"thread_id": "thr_missing"}},
        {"type": "threads.list", "params": {"after": "thr_missing"}},
        {
            "type": "threads.add_user_message",
            "params": {
                "thread_id": "thr_missing",
                "input": {
                    "content": [{"type": "input_text", "text": "hi"}],
                    "attachments": [],
                    "inference_options": {},
                },
            },
        },
        {"type": "threads.retry_after_item", "params": {"thread_id": "thr_missing", "item_id": "msg_missing"}},
        {"type": "threads.add_client_tool_output", "params": {"thread_id": "thr_missing", "result": {}}},
        {
            "type": "threads.custom_action",
            "params": {"thread_id": "thr_missing", "action": {"type": "x", "payload": {}}},
        },
        {
            "type": "threads.create",
            "params": {
                "input": {
                    "content": [{"type": "input_text", "text": "hi"}],
                    "attachments": ["atc_missing"],
                    "inference_options": {},
                }
            },
        },
        {"type": "attachments.delete", "params": {"attachment_id": "atc_missing"}},
    ],
    ids=lambda body: body["type"],
)
async def test_unknown_threads_items_and_attachments_are_404(chatkit, existing_thread, request_body):
    before = await snapshot()

    reply = await chatkit(request_body)

    assert_json_error(reply, 404, "not_found")
    assert await snapshot() == before


@pytest.mark.parametrize(
    "params",
    [
        lambda thread_id: {
            "type": "items.feedback",
            "params": {"thread_id": thread_id, "item_ids": ["msg_missing"], "kind": "positive"},
        },
        lambda thread_id: {
            "type": "threads.retry_after_item",
            "params": {"thread_id": thread_id, "item_id": "msg_missing"},
        },
        lambda thread_id: {"type": "items.list", "params": {"thread_id": thread_id, "after": "msg_missing"}},
    ],
    ids=["feedback", "retry", "items-after"],
)
async def test_unknown_items_of_a_real_thread_are_404(chatkit, existing_thread, params):
    before = await snapshot()

    reply = await chatkit(params(existing_thread))

    assert_json_error(reply, 404, "not_found")
    assert await snapshot() == before


async def test_a_tool_output_with_no_pending_call_is_400(chatkit, existing_thread):
    before = await snapshot()

    reply = await chatkit(
        {"type": "threads.add_client_tool_output", "params": {"thread_id": existing_thread, "result": {"opened": True}}}
    )

    assert_json_error(reply, 400, "invalid_request")
    assert await snapshot() == before


async def test_retry_after_an_assistant_message_is_400(chatkit, create_thread):
    thread_id, created = await create_thread()
    answer = next(
        e["item"]["id"] for e in created.of_type("thread.item.done") if e["item"]["type"] == "assistant_message"
    )
    before = await snapshot()

    reply = await chatkit({"type": "threads.retry_after_item", "params": {"thread_id": thread_id, "item_id": answer}})

    assert_json_error(reply, 400)
    assert await snapshot() == before


async def test_body_over_the_limit_is_413(chatkit, existing_thread, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = settings.CHATKIT_MAX_BODY_BYTES = 1000
    before = await snapshot()
    text = "x" * 2000
    body = {"type": "threads.update", "params": {"thread_id": existing_thread, "title": text}}

    reply = await chatkit(body)

    assert_json_error(reply, 413, "payload_too_large")
    assert await snapshot() == before


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
async def test_wrong_method_is_405_json(async_client, method):
    response = await getattr(async_client, method)("/chatkit")

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert json.loads(response.content)["error"]["code"] == "method_not_allowed"


async def test_invalid_user_header_is_400(chatkit):
    reply = await chatkit({"type": "threads.list", "params": {}}, user="<script>")

    assert_json_error(reply, 400, "invalid_user_id")


async def test_disabled_server_answers_503(chatkit, settings):
    settings.MERAK_ENABLE_CHATKIT_SERVER = False

    reply = await chatkit({"type": "threads.list", "params": {}})

    assert_json_error(reply, 503, "chatkit_disabled")
    assert "MERAK_ENABLE_CHATKIT_SERVER" in reply.json["error"]["message"]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", ["/chatkit/nope", "/favicon.ico", "/nope"])
def test_unknown_url_is_a_json_404_through_the_real_server(asgi_server, path, method):
    # Through uvicorn, not the test client: Django calls the 404 handler synchronously there.
    response = httpx.request(method, asgi_server + path)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
