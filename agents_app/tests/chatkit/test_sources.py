"""What a reply cites, through the real `/chatkit` view: the cities its run looked up as entities (clicked, the
page opens the map), and the data each tool read; offline, and over HTTP to the stand-in model.
"""

from __future__ import annotations

import pytest

from agents_app.tests.support.openai_server import ModelRequest, OpenAIServer, Reply, ToolCall, say
from chatkit_app import models
from chatkit_app.testing.protocol import user_input

from .test_openai_compatible_servers import is_titling

pytestmark = pytest.mark.django_db(transaction=True)


def create(text: str) -> dict:
    return {"type": "threads.create", "params": {"input": user_input(text)}}


def reply_item(reply) -> dict:
    return [e["item"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == "assistant_message"][-1]


async def test_a_plan_cites_its_city_as_an_entity_and_the_data_its_tools_read(chatkit):
    reply = await chatkit(create("3 days in Lisbon from 2027-03-12"))

    message = reply_item(reply)
    text, annotations = message["content"][0]["text"], message["content"][0]["annotations"]
    city, *data = [annotation["source"] for annotation in annotations]
    assert (city["type"], city["id"], city["title"], city["interactive"]) == (
        "entity",
        "city:2267057",
        "Lisbon, Portugal",
        True,
    )
    assert city["data"]["timezone"] == "Europe/Lisbon", "what the page's preview and map need"
    assert annotations[0]["index"] == text.find("Lisbon") + len("Lisbon"), "placed right after the city's name"
    assert [(source["title"], source["url"]) for source in data] == [
        ("GeoNames", "https://www.geonames.org/"),
        ("holidays", "https://github.com/vacanza/holidays"),
        ("Astral", "https://github.com/sffjunkie/astral"),
        ("IANA time zone database", "https://www.iana.org/time-zones"),
    ]
    stored = await models.Item.objects.aget(item_id=message["id"])
    kept = stored.data["content"][0]["annotations"]
    assert [(a["source"]["title"], a["index"]) for a in kept] == [
        (a["source"]["title"], a.get("index")) for a in annotations
    ]


async def test_a_reply_whose_run_called_no_tools_cites_nothing(chatkit):
    reply = await chatkit(create("Show me on a map"))

    assert reply_item(reply)["content"][0]["annotations"] == []


def porto_lover(request: ModelRequest) -> Reply:
    if is_titling(request):
        return say("Porto")
    if request.transcript[-1].role == "tool":
        return say("Porto is lovely in spring.")
    return Reply(tool_calls=(ToolCall("find_city", {"name": "Porto", "country": "PT"}),))


@pytest.mark.parametrize("chat_completions", [True, False], ids=["chat_completions", "responses"])
async def test_a_real_models_reply_cites_what_its_tools_found(
    chatkit, settings, openai_server: OpenAIServer, chat_completions
):
    openai_server.script = porto_lover
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "local-key", openai_server.base_url
    settings.MERAK_MODEL, settings.MERAK_USE_CHAT_COMPLETIONS = "local-model", chat_completions

    reply = await chatkit(create("Tell me about Porto"))

    message = reply_item(reply)
    assert message["content"][0]["text"] == "Porto is lovely in spring."
    sources = [annotation["source"] for annotation in message["content"][0]["annotations"]]
    assert [(source["type"], source["title"]) for source in sources] == [
        ("entity", "Porto, Portugal"),
        ("url", "GeoNames"),
    ]
    assert message["content"][0]["annotations"][0]["index"] == len("Porto")
