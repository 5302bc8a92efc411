"""Isolation: for every request type, another user's thread, item or attachment is exactly a missing one.

Bob aims each request at Alice's data. The answer must be the 404 he gets for
ids that exist nowhere (same status, same body once the ids are masked), and
none of Alice's rows may change, whether Bob calls through the trusted proxy
or with his own client secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest

from chatkit_app import models
from chatkit_app.testing.factories import (
    AssistantMessageFactory,
    AttachmentFactory,
    ClientToolCallFactory,
    FeedbackFactory,
    ThreadFactory,
    UserMessageFactory,
    WidgetItemFactory,
)
from chatkit_app.testing.guards import open_streams
from chatkit_app.testing.protocol import bearer, proxy_headers, stored_rows, user_input

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class Ids:
    thread: str
    question: str  # a user message
    answer: str  # an assistant message
    widget: str
    attachment: str
    own_thread: str  # one of Bob's own threads

    def masks(self) -> dict[str, str]:
        return {
            "thread": self.thread,
            "question": self.question,
            "answer": self.answer,
            "widget": self.widget,
            "attachment": self.attachment,
        }


MISSING = Ids(
    thread="thr_missing0000000000000000000",
    question="msg_missing0000000000000000001",
    answer="msg_missing0000000000000000002",
    widget="wdg_missing0000000000000000003",
    attachment="atc_missing0000000000000000004",
    own_thread="",  # Bob's real thread: see `missing_for`
)


def missing_for(ids: Ids) -> Ids:
    """Ids that exist nowhere, except Bob's own thread, which stays his."""
    return replace(MISSING, own_thread=ids.own_thread)


@pytest.fixture
def ids(transactional_db) -> Ids:
    """Alice's thread: a question, an answer with feedback, a widget, a pending client tool call, an attachment."""
    thread = ThreadFactory(user_id="alice")
    question = UserMessageFactory(thread=thread)
    answer = AssistantMessageFactory(thread=thread)
    FeedbackFactory(item=answer)
    widget = WidgetItemFactory(thread=thread)
    ClientToolCallFactory(thread=thread)
    attachment = AttachmentFactory(user_id="alice", thread_id=thread.thread_id)
    own = ThreadFactory(user_id="bob")
    return Ids(
        thread.thread_id, question.item_id, answer.item_id, widget.item_id, attachment.attachment_id, own.thread_id
    )


ACTION = {"type": "add_day", "payload": {}}

REQUESTS: dict[str, Callable[[Ids], dict]] = {
    "threads.get_by_id": lambda i: {"type": "threads.get_by_id", "params": {"thread_id": i.thread}},
    "threads.list after": lambda i: {"type": "threads.list", "params": {"after": i.thread}},
    "threads.update": lambda i: {"type": "threads.update", "params": {"thread_id": i.thread, "title": "mine now"}},
    "threads.delete": lambda i: {"type": "threads.delete", "params": {"thread_id": i.thread}},
    "threads.add_user_message": lambda i: {
        "type": "threads.add_user_message",
        "params": {"thread_id": i.thread, "input": user_input()},
    },
    "threads.retry_after_item": lambda i: {
        "type": "threads.retry_after_item",
        "params": {"thread_id": i.thread, "item_id": i.question},
    },
    "threads.retry_after_item in own thread": lambda i: {
        "type": "threads.retry_after_item",
        "params": {"thread_id": i.own_thread, "item_id": i.question},
    },
    "items.feedback": lambda i: {
        "type": "items.feedback",
        "params": {"thread_id": i.thread, "item_ids": [i.answer], "kind": "negative"},
    },
    "items.feedback in own thread": lambda i: {
        "type": "items.feedback",
        "params": {"thread_id": i.own_thread, "item_ids": [i.answer], "kind": "negative"},
    },
    "threads.custom_action": lambda i: {
        "type": "threads.custom_action",
        "params": {"thread_id": i.thread, "item_id": i.widget, "action": ACTION},
    },
    "threads.sync_custom_action": lambda i: {
        "type": "threads.sync_custom_action",
        "params": {"thread_id": i.thread, "item_id": i.widget, "action": ACTION},
    },
    "threads.add_client_tool_output": lambda i: {
        "type": "threads.add_client_tool_output",
        "params": {"thread_id": i.thread, "result": {"ok": True}},
    },
    "threads.add_structured_input": lambda i: {
        "type": "threads.add_structured_input",
        "params": {"thread_id": i.thread, "item_id": i.question, "input": {"status": "answered", "answers": {}}},
    },
    "items.list": lambda i: {"type": "items.list", "params": {"thread_id": i.thread}},
    "items.list after": lambda i: {"type": "items.list", "params": {"thread_id": i.own_thread, "after": i.question}},
    "attachments.delete": lambda i: {"type": "attachments.delete", "params": {"attachment_id": i.attachment}},
    "threads.create with attachment": lambda i: {
        "type": "threads.create",
        "params": {"input": user_input(attachments=[i.attachment])},
    },
    "threads.add_user_message with attachment": lambda i: {
        "type": "threads.add_user_message",
        "params": {"thread_id": i.own_thread, "input": user_input(attachments=[i.attachment])},
    },
}


def masked(reply, ids: Ids) -> tuple[int, str, dict]:
    body = reply.body.decode()
    for name, value in ids.masks().items():
        body = body.replace(value, f"<{name}>")
    return reply.status, reply.headers["Content-Type"], json.loads(body)


@pytest.fixture(params=["proxy", "client secret"])
def as_bob(request, chatkit, issue_token):
    """Send a request as Bob, through the trusted proxy or with his own client secret."""

    async def send(body: dict):
        if request.param == "proxy":
            return await chatkit(body, headers=proxy_headers("bob"))
        return await chatkit(body, headers=bearer(await issue_token("bob")))

    return send


def alices(rows: dict[str, list]) -> dict[str, list]:
    return {
        "threads": [row for row in rows["threads"] if row[1] == "alice"],
        "items": [row for row in rows["items"] if row[2] == "alice"],
        "feedback": [row for row in rows["feedback"] if row[1] == "alice"],
        "attachments": [row for row in rows["attachments"] if row[1] == "alice"],
    }


async def bobs_rows() -> tuple[int, int, int]:
    return (
        await models.Thread.objects.filter(user_id="bob").acount(),
        await models.Item.objects.filter(user_id="bob").acount(),
        await models.Attachment.objects.filter(user_id="bob").acount(),
    )


@pytest.mark.parametrize("name", REQUESTS)
async def test_another_users_data_is_indistinguishable_from_missing_data(as_bob, ids, name):
    make = REQUESTS[name]
    before = await stored_rows()
    bob_before = await bobs_rows()

    aimed = await as_bob(make(ids))
    missing = await as_bob(make(missing_for(ids)))

    assert aimed.status == 404, aimed.body
    assert aimed.json["error"]["code"] == "not_found"
    assert masked(aimed, ids) == masked(missing, missing_for(ids))
    after = await stored_rows()
    assert alices(after) == alices(before), "nothing of Alice's changed"
    assert await bobs_rows() == bob_before, "nothing was created for Bob"
    assert after["leases"] == [] and open_streams("bob") == 0, "no lease or stream slot left behind"


async def test_another_users_threads_are_not_listed(as_bob, ids):
    reply = await as_bob({"type": "threads.list", "params": {"limit": 100}})

    assert reply.status == 200
    assert [thread["id"] for thread in reply.json["data"]] == [ids.own_thread]


async def test_a_new_attachment_belongs_to_its_creator_only(as_bob, ids):
    before = await stored_rows()

    reply = await as_bob(
        {"type": "attachments.create", "params": {"name": "a.txt", "size": 3, "mime_type": "text/plain"}}
    )

    assert reply.status == 200
    assert (await models.Attachment.objects.aget(pk=reply.json["id"])).user_id == "bob"
    assert alices(await stored_rows()) == alices(before)
