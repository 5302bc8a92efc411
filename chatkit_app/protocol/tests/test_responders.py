"""The ChatKit layer serves whichever agent `MERAK_RESPONDER` names: here a tiny one, with no Trip Planner in sight."""

from __future__ import annotations

from typing import Any

import pytest
from agents import Agent, OpenAIChatCompletionsModel
from chatkit.agents import AgentContext
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from openai import AsyncOpenAI

from agents_app.tests.support.openai_server import ModelRequest, say
from chatkit_app import models
from chatkit_app.protocol.responder import Picked, Responder, get_responder
from chatkit_app.testing.protocol import user_input

pytestmark = pytest.mark.django_db(transaction=True)


class Echo(Responder):
    """Says back what it was told, through any OpenAI-compatible server; titles threads "Echo"."""

    def new_agent(self, picked: Picked) -> Agent[AgentContext[Any]]:
        client = AsyncOpenAI(api_key=settings.OPENAI_API_KEY, base_url=settings.OPENAI_BASE_URL)
        return Agent(name="Echo", instructions="Repeat.", model=OpenAIChatCompletionsModel("echo", client))

    async def title(self, first_message: str) -> str:
        return "Echo"


def echo(request: ModelRequest) -> Any:
    said = [entry.text for entry in request.transcript if entry.role == "user"]
    return say(f"You said: {said[-1]} ({len(said)} messages so far)")


@pytest.fixture
def echo_served(settings, openai_server):
    openai_server.script = echo
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "echo-key", openai_server.base_url
    settings.MERAK_RESPONDER = f"{__name__}.Echo"
    return openai_server


async def test_another_agent_is_served_by_naming_its_responder_in_the_settings(echo_served, create_thread, chatkit):
    thread_id, created = await create_thread("hello")
    follow_up = {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": user_input("again")}}
    reply = await chatkit(follow_up)

    assert created.assistant_text == "You said: hello (1 messages so far)"
    assert created.of_type("thread.updated")[-1]["thread"]["title"] == "Echo"
    assert reply.assistant_text == "You said: again (2 messages so far)"
    assert [entry.role for entry in echo_served.requests[-1].transcript] == ["system", "user", "assistant", "user"]
    assert await models.Item.objects.filter(thread_id=thread_id, type="widget").acount() == 0


async def test_a_responder_acts_on_no_widget_action_unless_it_says_so(echo_served, create_thread, chatkit):
    thread_id, _ = await create_thread("hello")
    action = {"type": "itinerary.add_day", "payload": {}}

    reply = await chatkit({"type": "threads.custom_action", "params": {"thread_id": thread_id, "action": action}})

    assert [event["type"] for event in reply.events] == ["stream_options", "error"]
    assert reply.events[1]["message"] == "Unknown action `itinerary.add_day`."


@pytest.mark.parametrize("path", ["nowhere.Responder", "chatkit_app.models.Thread"])
def test_a_setting_naming_no_responder_is_refused_plainly(settings, path):
    settings.MERAK_RESPONDER = path

    with pytest.raises(ImproperlyConfigured, match="MERAK_RESPONDER"):
        get_responder()
