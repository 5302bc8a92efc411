"""The composer's model picker and tool menu, through the real views, on the offline planner.

`GET /chatkit/options` says what the composer offers; a message names its picks in
`inference_options`, checked before anything is stored. (The picks reaching a real model over
HTTP: `test_openai_compatible_servers`.)
"""

from __future__ import annotations

import pytest

from chatkit_app import models
from chatkit_app.testing.protocol import proxy_headers, user_input

pytestmark = pytest.mark.django_db(transaction=True)

LISBON = "3 days in Lisbon from 2027-03-12"


def picking(text: str, model: str | None = None, tool: str | None = None) -> dict:
    picked = user_input(text)
    picked["inference_options"] = {"model": model, "tool_choice": {"id": tool} if tool else None}
    return picked


def create(text: str, **picks: str) -> dict:
    return {"type": "threads.create", "params": {"input": picking(text, **picks)}}


def add(thread_id: str, text: str, **picks: str) -> dict:
    return {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": picking(text, **picks)}}


@pytest.fixture
def options(async_client):
    async def get(**headers: str):
        return await async_client.get("/chatkit/options", headers=headers)

    return get


async def test_the_composer_offers_the_offline_planner_and_the_planners_three_modes(options):
    offered = await options(**proxy_headers())

    assert offered.status_code == 200
    composer = offered.json()["composer"]
    assert composer["models"] == [{"id": "merak-offline-planner", "label": "Offline planner", "default": True}]
    assert [(tool["id"], tool["label"]) for tool in composer["tools"]] == [
        ("plan", "Plan a trip"),
        ("facts", "Daylight and holidays"),
        ("map", "Show on a map"),
    ]
    assert composer["tools"][2] == {
        "id": "map",
        "label": "Show on a map",
        "icon": "map-pin",
        "shortLabel": "Map",
        "placeholderOverride": "Which place should I show?",
    }
    assert (await options()).status_code == 401


async def test_with_a_key_the_configured_models_are_offered_the_default_first(options, settings):
    settings.OPENAI_API_KEY, settings.MERAK_MODEL = "sk-test", "gpt-4.1-mini"
    settings.MERAK_MODELS = ["gpt-4.1=GPT-4.1", "o4-mini", "gpt-4.1-mini=GPT-4.1 mini"]

    composer = (await options(**proxy_headers())).json()["composer"]

    assert composer["models"] == [
        {"id": "gpt-4.1-mini", "label": "GPT-4.1 mini", "default": True},
        {"id": "gpt-4.1", "label": "GPT-4.1", "default": False},
        {"id": "o4-mini", "label": "o4-mini", "default": False},
    ]


async def test_an_unknown_model_or_tool_is_a_400_and_nothing_is_stored(chatkit, create_thread):
    unknown_model = await chatkit(create(LISBON, model="gpt-5-ultra"))
    unknown_tool = await chatkit(create(LISBON, tool="book_flights"))
    assert not await models.Thread.objects.aexists()
    thread_id, _ = await create_thread()
    items = await models.Item.objects.filter(thread_id=thread_id).acount()
    in_a_thread = await chatkit(add(thread_id, "make it 4 days", model="gpt-5-ultra"))

    assert (unknown_model.status, unknown_model.json["error"]["code"]) == (400, "unknown_model")
    assert unknown_model.json["error"]["message"] == "Unknown model `gpt-5-ultra`."
    assert (unknown_tool.status, unknown_tool.json["error"]["code"]) == (400, "unknown_tool")
    assert (in_a_thread.status, in_a_thread.json["error"]["code"]) == (400, "unknown_model")
    assert await models.Item.objects.filter(thread_id=thread_id).acount() == items


async def test_the_model_picked_answers_and_is_recorded_on_the_reply(chatkit):
    reply = await chatkit(create(LISBON, model="merak-offline-planner"))

    assert reply.status == 200 and "Day 3" in reply.assistant_text
    recorded = await models.Reply.objects.aget()
    assert (recorded.model, recorded.offline) == ("merak-offline-planner", True)


async def test_the_map_mode_opens_the_place_named_without_the_word_map(chatkit):
    asked = await chatkit(create("Lisbon", tool="map"))
    [call] = [event["item"] for event in asked.of_type("thread.item.done") if event["item"]["type"] != "user_message"]
    assert (call["type"], call["name"], call["arguments"]["place"]) == (
        "client_tool_call",
        "open_map",
        "Lisbon, Portugal",
    )
    thread_id = asked.of_type("thread.created")[0]["thread"]["id"]

    answered = await chatkit(
        {"type": "threads.add_client_tool_output", "params": {"thread_id": thread_id, "result": {"opened": True}}}
    )

    assert "I've opened Lisbon, Portugal on a map in your browser." in answered.assistant_text
    done = [event["item"]["type"] for event in answered.of_type("thread.item.done")]
    assert "client_tool_call" not in done, "the mode steered the reply to its message only"


async def test_the_facts_mode_answers_the_facts_and_no_plan(chatkit):
    reply = await chatkit(create(LISBON, tool="facts"))

    assert "**Lisbon, Portugal: Friday 12 March to Sunday, 14 March 2027**" in reply.assistant_text
    assert "Daylight on" in reply.assistant_text and "Public holidays" in reply.assistant_text
    assert "Day 1" not in reply.assistant_text
    assert not await models.Item.objects.filter(type="widget").aexists(), "no itinerary card"


async def test_the_plan_mode_plans_even_when_the_message_mentions_a_map(chatkit):
    reply = await chatkit(create("3 days in Lisbon from 2027-03-12 with a map of the old town", tool="plan"))

    assert "Day 3" in reply.assistant_text
    assert await models.Item.objects.filter(type="widget").acount() == 1
    assert not await models.Item.objects.filter(type="client_tool_call").aexists()
