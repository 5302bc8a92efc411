"""The Chat Completions model against an OpenAI-compatible server on loopback: real item ids, tool calls, usage."""

import json

import pytest
from agents import Agent, ModelSettings, Runner, function_tool
from agents.items import MessageOutputItem
from openai import AsyncOpenAI

from agents_app.chat_completions import ChatCompletionsModel
from agents_app.tests.support.openai_server import ModelRequest, Reply, call, say

PLACEHOLDER_ID = "__fake_id__"


@function_tool
def find_city(name: str) -> str:
    """Look a city up.

    Args:
        name: The city.
    """
    return json.dumps({"name": name, "country_code": "PT"})


@pytest.fixture
async def agent(openai_server):
    """Builds agents on `ChatCompletionsModel` at the loopback server, with one tool."""
    client = AsyncOpenAI(api_key="local-key", base_url=openai_server.base_url, max_retries=0)

    def build(**settings) -> Agent:
        model = ChatCompletionsModel(model="local-model", openai_client=client)
        return Agent(name="Compat", model=model, tools=[find_city], model_settings=ModelSettings(**settings))

    yield build
    await client.close()  # on this test's event loop, before it closes


def look_up_then_answer(request: ModelRequest) -> Reply:
    """Calls find_city for the user's words, then answers with what the tool returned."""
    last = request.transcript[-1]
    if last.role == "user":
        return call("find_city", name=last.text)
    return say(f"Found: {json.loads(last.text)['name']}, {json.loads(last.text)['country_code']}")


async def _streamed_message_ids(agent: Agent) -> tuple[set[str], list[str]]:
    result = Runner.run_streamed(agent, "hi")
    delta_ids, done_ids = set(), []
    async for event in result.stream_events():
        if event.type == "raw_response_event":
            if event.data.type == "response.output_text.delta":
                delta_ids.add(event.data.item_id)
            elif event.data.type == "response.output_item.done":
                done_ids.append(event.data.item.id)
    assert result.final_output == "Hello there"
    return delta_ids, done_ids


async def test_streamed_replies_get_unique_ids_that_their_deltas_share(agent):
    first_deltas, first_done = await _streamed_message_ids(agent())
    second_deltas, second_done = await _streamed_message_ids(agent())
    assert first_deltas == set(first_done) and second_deltas == set(second_done)
    assert PLACEHOLDER_ID not in first_done + second_done
    assert first_done != second_done


async def test_non_streamed_replies_get_unique_ids_too(agent):
    ids = []
    for _ in range(2):
        result = await Runner.run(agent(), "hi")
        message = next(item for item in result.new_items if isinstance(item, MessageOutputItem))
        ids.append(message.raw_item.id)
    assert PLACEHOLDER_ID not in ids and ids[0] != ids[1]


async def test_a_streamed_tool_call_is_assembled_run_and_answered(agent, openai_server):
    openai_server.script = look_up_then_answer

    result = Runner.run_streamed(agent(), "Lisbon")
    async for _ in result.stream_events():
        pass

    assert result.final_output == "Found: Lisbon, PT"
    first, second = openai_server.requests
    assert first.path == "/v1/chat/completions" and first.body["stream"] is True
    assert first.body["model"] == "local-model" and first.headers["authorization"] == "Bearer local-key"
    assert [tool["function"]["name"] for tool in first.body["tools"]] == ["find_city"]
    # The call, split across chunks, came back whole and paired with the tool's output.
    call_entry, output = second.transcript[-2:]
    assert (call_entry.role, call_entry.name, json.loads(call_entry.text)) == (
        "tool_call",
        "find_city",
        {"name": "Lisbon"},
    )
    assert (output.role, output.call_id) == ("tool", call_entry.call_id)


@pytest.mark.parametrize("streamed", [True, False])
async def test_usage_is_counted_streamed_and_not(agent, openai_server, streamed):
    planner = agent(include_usage=True)

    if streamed:
        result = Runner.run_streamed(planner, "hi")
        async for _ in result.stream_events():
            pass
    else:
        result = await Runner.run(planner, "hi")

    usage = result.context_wrapper.usage
    assert usage.requests == 1 and usage.input_tokens > 0 and usage.output_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    if streamed:
        assert openai_server.requests[0].body["stream_options"] == {"include_usage": True}


async def test_history_the_api_would_refuse_is_a_400(agent, openai_server):
    # A tool output with no call before it: OpenAI refuses such a conversation, and so does the stand-in.
    orphan = [
        {"role": "user", "content": "hi"},
        {"type": "function_call", "call_id": "call_1", "name": "find_city", "arguments": "{}"},
    ]
    openai_server.script = lambda request: say("unreachable")

    with pytest.raises(Exception, match="tool calls \\['call_1'\\] were not answered"):
        await Runner.run(agent(), orphan)
