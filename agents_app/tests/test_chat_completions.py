"""The Chat Completions model against a fake OpenAI-compatible server: every reply gets its own item id."""

import json

import httpx
from agents import Agent, Runner
from agents.items import MessageOutputItem
from openai import AsyncOpenAI

from agents_app.chat_completions import ChatCompletionsModel

PLACEHOLDER_ID = "__fake_id__"


def _fake_server(request: httpx.Request) -> httpx.Response:
    """A minimal /chat/completions: answers "Hello there", streamed or not, as the request asks."""
    body = json.loads(request.content)
    base = {"id": "chatcmpl-1", "created": 0, "model": body["model"]}
    if not body.get("stream"):
        choice = {"index": 0, "message": {"role": "assistant", "content": "Hello there"}, "finish_reason": "stop"}
        return httpx.Response(200, json={**base, "object": "chat.completion", "choices": [choice]})
    deltas = [({"role": "assistant", "content": "Hello"}, None), ({"content": " there"}, None), ({}, "stop")]
    lines = [
        {**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        for delta, finish in deltas
    ]
    sse = "".join(f"data: {json.dumps(line)}\n\n" for line in lines) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse.encode())


def _agent() -> Agent:
    client = AsyncOpenAI(
        api_key="local-key",
        base_url="http://llm.test/v1",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(_fake_server)),
    )
    return Agent(name="Compat", model=ChatCompletionsModel(model="local-model", openai_client=client))


async def _streamed_message_ids():
    result = Runner.run_streamed(_agent(), "hi")
    delta_ids, done_ids = set(), []
    async for event in result.stream_events():
        if event.type == "raw_response_event":
            if event.data.type == "response.output_text.delta":
                delta_ids.add(event.data.item_id)
            elif event.data.type == "response.output_item.done":
                done_ids.append(event.data.item.id)
    assert result.final_output == "Hello there"
    return delta_ids, done_ids


async def test_streamed_replies_get_unique_ids_that_their_deltas_share():
    first_deltas, first_done = await _streamed_message_ids()
    second_deltas, second_done = await _streamed_message_ids()
    assert first_deltas == set(first_done) and second_deltas == set(second_done)
    assert PLACEHOLDER_ID not in first_done + second_done
    assert first_done != second_done


async def test_non_streamed_replies_get_unique_ids_too():
    ids = []
    for _ in range(2):
        result = await Runner.run(_agent(), "hi")
        message = next(item for item in result.new_items if isinstance(item, MessageOutputItem))
        ids.append(message.raw_item.id)
    assert PLACEHOLDER_ID not in ids and ids[0] != ids[1]
