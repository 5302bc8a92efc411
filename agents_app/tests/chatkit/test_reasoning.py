"""Reasoning shown as ChatKit's thoughts, through the real `/chatkit` view: a reasoning model's summaries over HTTP
(the stand-in server, on both APIs), and the offline planner's own account of what it decided.
"""

from __future__ import annotations

import pytest

from agents_app.tests.support.openai_server import ModelRequest, OpenAIServer, Reply
from chatkit_app import models
from chatkit_app.testing.protocol import user_input

from .test_openai_compatible_servers import is_titling

pytestmark = pytest.mark.django_db(transaction=True)

THOUGHT = "The user wants a quiet weekend: Lisbon in March is mild, so I will suggest walks."


def create(text: str) -> dict:
    return {"type": "threads.create", "params": {"input": user_input(text)}}


def reasoning_workflow(reply) -> dict:
    """The reply's reasoning workflow, as it was streamed when done."""
    done = [e["item"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == "workflow"]
    [workflow] = [item for item in done if item["workflow"]["type"] == "reasoning"]
    return workflow


async def stored_workflow(item_id: str) -> dict:
    return (await models.Item.objects.aget(item_id=item_id)).data["workflow"]


async def test_the_offline_planner_shows_what_it_thought_before_it_writes_the_plan(chatkit):
    reply = await chatkit(create("4 days in Lisbon from 2027-12-23"))

    workflow = reasoning_workflow(reply)
    [thought] = workflow["workflow"]["tasks"]
    assert (thought["type"], thought["content"]) == (
        "thought",
        "4 days in Lisbon from Thursday, 23 December 2027: one public holiday on the way. "
        "I will write the plan day by day, as the itinerary shows it.",
    )
    added = [e for e in reply.of_type("thread.item.updated") if e["item_id"] == workflow["id"]]
    assert added[0]["update"]["type"] == "workflow.task.added", "the thought streams as it is written"
    stored = [
        (item.type, item.data.get("workflow", {}).get("type")) async for item in models.Item.objects.order_by("seq")
    ]
    assert stored == [
        ("user_message", None),
        ("workflow", "custom"),  # the tools' steps
        ("widget", None),
        ("workflow", "reasoning"),
        ("assistant_message", None),
    ]
    assert (await stored_workflow(workflow["id"]))["tasks"][0]["content"] == thought["content"]
    assert (await models.Reply.objects.aget()).output_tokens > len(thought["content"].split())


async def test_a_question_in_words_comes_with_the_thought_that_led_to_it(chatkit):
    reply = await chatkit(create("Show me on a map"))

    [thought] = reasoning_workflow(reply)["workflow"]["tasks"]
    assert thought["content"] == "No destination yet, so I will ask which place to show on the map."
    kinds = [item.type async for item in models.Item.objects.order_by("seq")]
    assert kinds == ["user_message", "workflow", "assistant_message"]


def thinking(request: ModelRequest) -> Reply:
    if is_titling(request):
        return Reply(text="Lisbon weekend")
    return Reply(text="Walk the Alfama, then ride tram 28.", thought=THOUGHT)


@pytest.fixture
def reasoning_server(settings, openai_server: OpenAIServer) -> OpenAIServer:
    openai_server.script = thinking
    settings.OPENAI_API_KEY = "local-key"
    settings.OPENAI_BASE_URL = openai_server.base_url
    return openai_server


async def test_a_reasoning_models_summary_on_the_responses_api_is_asked_for_shown_and_stored(
    chatkit, settings, reasoning_server
):
    settings.MERAK_MODEL, settings.MERAK_USE_CHAT_COMPLETIONS = "o4-mini", False

    reply = await chatkit(create("A quiet weekend in Lisbon"))

    planner = [r for r in reasoning_server.requests if r.body.get("tools")][0]
    assert planner.body["reasoning"] == {"summary": "auto"}
    workflow = reasoning_workflow(reply)
    assert [(task["type"], task["content"]) for task in workflow["workflow"]["tasks"]] == [("thought", THOUGHT)]
    assert (await stored_workflow(workflow["id"]))["tasks"][0]["content"] == THOUGHT
    assert "tram 28" in reply.assistant_text


async def test_a_model_that_does_not_reason_is_not_asked_for_summaries(chatkit, settings, reasoning_server):
    settings.MERAK_MODEL, settings.MERAK_USE_CHAT_COMPLETIONS = "gpt-4.1-mini", False

    await chatkit(create("A quiet weekend in Lisbon"))

    assert all("reasoning" not in request.body for request in reasoning_server.requests)


async def test_reasoning_streamed_by_a_chat_completions_server_is_shown_and_stored(chatkit, settings, reasoning_server):
    # vLLM, DeepSeek and llama.cpp stream `reasoning_content` unasked; Chat Completions has no summary option.
    settings.MERAK_MODEL, settings.MERAK_USE_CHAT_COMPLETIONS = "local-reasoner", True

    reply = await chatkit(create("A quiet weekend in Lisbon"))

    assert all("reasoning" not in request.body for request in reasoning_server.requests)
    workflow = reasoning_workflow(reply)
    assert [(task["type"], task["content"]) for task in workflow["workflow"]["tasks"]] == [("thought", THOUGHT)]
    assert (await stored_workflow(workflow["id"]))["tasks"][0]["content"] == THOUGHT
    assert "tram 28" in reply.assistant_text
