"""Property-based fuzzing of `/chatkit`: whatever arrives, never a 500, always a JSON error, nothing changed.

Bodies: malformed and truncated JSON, wrong types, unknown request types,
huge strings and arrays, deep nesting, and near-valid requests aimed at a
real thread. A body the protocol accepts may succeed (and store what it
should); anything refused must leave the database exactly as it was.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chatkit_app.testing.protocol import FUZZ, stored_rows

pytestmark = pytest.mark.django_db(transaction=True)

THREAD_ID = "thr_fuzz0000000000000000000000"
ITEM_ID = "msg_fuzz0000000000000000000000"
REQUEST_TYPES = [
    "threads.get_by_id", "threads.create", "threads.list", "threads.add_user_message",
    "threads.add_client_tool_output", "threads.add_structured_input", "threads.custom_action",
    "threads.sync_custom_action", "threads.retry_after_item", "threads.update", "threads.delete",
    "items.list", "items.feedback", "attachments.create", "attachments.delete",
]  # fmt: skip


leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
ids = st.sampled_from([THREAD_ID, ITEM_ID, "thr_missing", ""]) | st.text(max_size=80) | json_values
params = st.fixed_dictionaries(
    {},
    optional={
        "thread_id": ids,
        "item_id": ids,
        "item_ids": st.lists(ids, max_size=3) | json_values,
        "attachment_id": ids,
        "after": ids,
        "limit": st.integers() | json_values,
        "order": st.sampled_from(["asc", "desc", "sideways"]) | json_values,
        "title": st.text(max_size=40) | json_values,
        "kind": st.sampled_from(["positive", "negative", "meh"]),
        "input": json_values | st.fixed_dictionaries({"content": json_values, "attachments": json_values}),
        "result": json_values,
        "action": json_values | st.fixed_dictionaries({"type": st.text(max_size=10), "payload": json_values}),
        "name": json_values,
        "size": json_values,
        "mime_type": json_values,
    },
)
requests = st.fixed_dictionaries(
    {"type": st.sampled_from(REQUEST_TYPES) | st.text(max_size=30) | json_values},
    optional={"params": params | json_values, "metadata": json_values},
)


def encoded(value) -> bytes:
    return json.dumps(value).encode()


def deep(depth: int, opener: str) -> bytes:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return f'{{"type":"threads.list","params":{opener * depth}1{closer * depth}}}'.encode()


bodies = st.one_of(
    requests.map(encoded),
    json_values.map(encoded),
    st.binary(max_size=200),
    requests.map(encoded).flatmap(lambda body: st.integers(0, len(body)).map(lambda n: body[:n])),
    st.integers(1, 1_200_000).map(
        lambda n: encoded({"type": "threads.update", "params": {"thread_id": THREAD_ID, "title": "x" * n}})
    ),
    st.integers(1, 100_000).map(
        lambda n: encoded(
            {
                "type": "items.feedback",
                "params": {"thread_id": THREAD_ID, "item_ids": [ITEM_ID] * n, "kind": "positive"},
            }
        )
    ),
    st.tuples(st.integers(1, 20_000), st.sampled_from(["[", '{"a":'])).map(lambda args: deep(*args)),
)


@pytest.fixture
def fuzzed_thread(transactional_db, settings):
    """Alice's thread for requests to aim at; no rate limit (set once: each `settings.X =` stacks an override)."""
    from chatkit_app.testing.factories import AssistantMessageFactory, ThreadFactory, UserMessageFactory

    settings.MERAK_RATE_LIMIT_REQUESTS = 0
    thread = ThreadFactory(user_id="alice", thread_id=THREAD_ID)
    UserMessageFactory(thread=thread, item_id=ITEM_ID)
    AssistantMessageFactory(thread=thread)


async def assert_handled(reply, before: dict) -> None:
    assert reply.status < 500 or reply.status == 501, reply.body[:500]
    if reply.status >= 400:
        assert reply.headers["Content-Type"].startswith("application/json")
        error = reply.json["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)
        assert await stored_rows() == before, "a refused request changed the database"
    else:
        assert reply.headers["Content-Type"] in ("application/json", "text/event-stream")


@FUZZ
@given(body=bodies)
async def test_any_body_gets_a_json_answer_and_refusals_change_nothing(chatkit, fuzzed_thread, body):
    before = await stored_rows()

    reply = await chatkit(body)

    await assert_handled(reply, before)


header_text = st.text(alphabet=st.characters(max_codepoint=255, blacklist_characters="\r\n"), max_size=200)
authorizations = st.one_of(
    header_text,
    header_text.map(lambda value: f"Bearer {value}"),
    st.just("server key"),  # replaced by the real one in the test
)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(authorization=authorizations, user=header_text)
async def test_any_credentials_get_a_json_answer(chatkit, fuzzed_thread, authorization, user):
    from django.conf import settings

    if authorization == "server key":
        authorization = f"Bearer {settings.MERAK_SERVER_API_KEY}"
    before = await stored_rows()

    reply = await chatkit(
        {"type": "threads.list", "params": {}}, headers={"Authorization": authorization, "X-User-ID": user}
    )

    assert reply.status in (200, 400, 401), reply.body
    await assert_handled(reply, before)
