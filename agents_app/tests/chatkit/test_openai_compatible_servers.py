"""A whole conversation with a real model over HTTP, on Chat Completions and on the Responses API.

Merak's ASGI app on a socket (uvicorn), the model at a stand-in OpenAI-compatible server on
another (`openai_server`), as with vLLM, Ollama or llama.cpp. Seven turns in one thread: a new
thread (titled by a second model call), a follow-up, a card's button, the `open_map` client tool
and the browser's answer, a message with an attached file, and a retry. Each turn's model requests
carry the thread so far, and every reply streams and is stored under an id of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
import pytest

from agents_app.tests.support import openai_wire as wire
from agents_app.tests.support.openai_server import ModelRequest, OpenAIServer, Reply, ToolCall, call, say
from agents_app.titles import TITLE_INSTRUCTIONS
from chatkit_app import models
from chatkit_app.testing.protocol import ChatKitReply, parse_sse, proxy_headers, user_input

from .test_itinerary_buttons import card, press

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_in_tmp")]

TITLE = "Lisbon in early spring"
BOOKING = b"BOOKING CONFIRMATION\nHotel Avenida, Lisbon\nCheck-in: 12 March 2027\n"


def trip_planner(request: ModelRequest) -> Reply:
    """The model's side: a title when asked for one; else what a Trip Planner model would call or say."""
    if is_titling(request):
        return say(f"“{TITLE}.”")
    last = request.transcript[-1]
    if forced_tool(request) == "open_map":
        return Reply("", (ToolCall("open_map", {"city": "Lisbon"}),))
    if last.role == "tool":
        called = request.tool_call(last.call_id)
        arguments = json.loads(called.text)
        if called.name == "find_city":
            return call("show_itinerary", city="Lisbon", country="PT", start_date="2027-03-12", days=3)
        if called.name == "show_itinerary":
            budget = " on a budget" if arguments.get("budget") else ""
            return say(f"Here is your plan: {arguments['days']} days in Lisbon{budget}.")
        return say("The map is open." if json.loads(last.text) == {"opened": True} else "No map.")
    if new_plan := re.search(r"New plan: (\d+) days in Lisbon, Portugal from 2027-03-12 on a budget", last.text):
        return call("show_itinerary", city="Lisbon", start_date="2027-03-12", days=int(new_plan[1]), budget=True)
    if last.text == "make it cheaper":
        return call("show_itinerary", city="Lisbon", start_date="2027-03-12", days=3, budget=True)
    if last.text == "show it on a map":
        return Reply("Opening the map of Lisbon.", (ToolCall("open_map", {"city": "Lisbon"}),))
    if "Hotel Avenida" in last.text:
        return say("Your booking at Hotel Avenida is in the plan.")
    return call("find_city", name="Lisbon")


@pytest.fixture(params=["chat_completions", "responses"])
def model_api(request, settings, openai_server) -> OpenAIServer:
    """The model is `local-model` at the stand-in server, through Chat Completions or the Responses API."""
    openai_server.script = trip_planner
    # After the autouse fixtures that put every test on the offline planner.
    settings.OPENAI_API_KEY = "local-key"
    settings.OPENAI_BASE_URL = openai_server.base_url
    settings.MERAK_MODEL = "local-model"
    settings.MERAK_USE_CHAT_COMPLETIONS = request.param == "chat_completions"
    return openai_server


class Conversation:
    """Drives `/chatkit` over HTTP as one user, in one thread; `asked` holds the latest turn's planner requests."""

    def __init__(self, base_url: str, server: OpenAIServer) -> None:
        self.client = httpx.Client(base_url=base_url, headers=proxy_headers("alice"), timeout=60)
        self.server = server
        self.thread_id = ""
        self.asked: list[ModelRequest] = []

    def turn(self, request_type: str, **params) -> ChatKitReply:
        seen = len(self.server.requests)
        if self.thread_id:
            params["thread_id"] = self.thread_id
        response = self.client.post("/chatkit", json={"type": request_type, "params": params})
        reply = ChatKitReply(
            response.status_code, dict(response.headers), response.content, parse_sse(response.content)
        )
        assert reply.status == 200 and reply.events and not reply.of_type("error"), reply.body
        self.thread_id = self.thread_id or reply.events[0]["thread"]["id"]
        self.asked = [r for r in self.server.requests[seen:] if not is_titling(r)]
        return reply

    def press(self, reply: ChatKitReply, label: str) -> ChatKitReply:
        return self.turn("threads.custom_action", **press(self.thread_id, card(reply), label)["params"])

    def upload(self, name: str, data: bytes) -> str:
        params = {"name": name, "size": len(data), "mime_type": "text/plain"}
        attachment = self.client.post("/chatkit", json={"type": "attachments.create", "params": params}).json()
        upload = urlsplit(attachment["upload_descriptor"]["url"]).path  # the URL names MERAK_PUBLIC_URL
        assert self.client.post(upload, files={"file": (name, data, "text/plain")}).status_code == 200
        return attachment["id"]


@pytest.fixture
def conversation(asgi_server, model_api) -> Iterator[Conversation]:
    chat = Conversation(asgi_server, model_api)
    yield chat
    chat.client.close()


def forced_tool(request: ModelRequest) -> str | None:
    """The function the request's `tool_choice` forces, on either API; None when it forces none."""
    choice = request.body.get("tool_choice")
    if not isinstance(choice, dict):
        return None
    return choice.get("name") or choice.get("function", {}).get("name")


def tool_names(request: ModelRequest) -> list[str]:
    return [tool.get("name") or tool["function"]["name"] for tool in request.body.get("tools", [])]


def is_titling(request: ModelRequest) -> bool:
    return request.instructions.startswith(TITLE_INSTRUCTIONS.split("\n")[0])


def said(request: ModelRequest) -> list[tuple[str, str]]:
    """The conversation a model request carried, instructions left out: (role, text) in order."""
    return [(entry.role, entry.text) for entry in request.transcript if entry.role != "system"]


def shown(reply: ChatKitReply) -> tuple[str, str]:
    """The reply's itinerary card as the model reads it."""
    return ("assistant", f"[Shown to the user as a card]\n{card(reply)['copy_text']}")


def streamed_text(reply: ChatKitReply) -> str:
    """The reply's text as it arrived, delta by delta."""
    updates = [event["update"] for event in reply.of_type("thread.item.updated")]
    return "".join(u["delta"] for u in updates if u["type"] == "assistant_message.content_part.text_delta")


def reply_ids(reply: ChatKitReply) -> list[str]:
    return [e["item"]["id"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == "assistant_message"]


def test_every_kind_of_turn_reaches_the_model_with_the_thread_so_far(conversation, model_api, settings):
    # 1. A new thread: find_city, show_itinerary (a card), the reply; the title from a second model call.
    created = conversation.turn("threads.create", input=user_input("3 days in Lisbon from 2027-03-12"))
    assert created.assistant_text == "Here is your plan: 3 days in Lisbon."
    assert [event["thread"]["title"] for event in created.of_type("thread.updated")] == [TITLE]
    titling = [request for request in model_api.requests if is_titling(request)]
    assert len(titling) == 1 and not titling[0].body.get("stream")
    assert said(titling[0]) == [("user", "3 days in Lisbon from 2027-03-12")]
    assert [said(request)[-1][0] for request in conversation.asked] == ["user", "tool", "tool"]

    # 2. A follow-up reads the thread so far: the card and the reply as the assistant's, in order.
    follow_up = conversation.turn("threads.add_user_message", input=user_input("make it cheaper"))
    assert said(conversation.asked[0]) == [
        ("user", "3 days in Lisbon from 2027-03-12"),
        shown(created),
        ("assistant", "Here is your plan: 3 days in Lisbon."),
        ("user", "make it cheaper"),
    ]
    assert follow_up.assistant_text == "Here is your plan: 3 days in Lisbon on a budget."

    # 3. A button on the card: the press reaches the model as the user's (hidden) request.
    pressed = conversation.press(follow_up, "Add a day")
    *_, card_shown, replied, (role, note) = said(conversation.asked[0])
    assert (card_shown, replied) == (shown(follow_up), ("assistant", follow_up.assistant_text))
    assert role == "user" and "<HiddenContext>" in note and "New plan: 4 days in Lisbon, Portugal" in note
    assert pressed.assistant_text == "Here is your plan: 4 days in Lisbon on a budget."

    # 4. The model says so and calls open_map: the stream ends with the browser's pending call.
    asked_for_map = conversation.turn("threads.add_user_message", input=user_input("show it on a map"))
    pending = asked_for_map.events[-1]["item"]
    assert (pending["type"], pending["name"], pending["status"]) == ("client_tool_call", "open_map", "pending")
    assert asked_for_map.assistant_text == "Opening the map of Lisbon."

    # 5. The browser's answer: the call and its output, paired, then the model's reply.
    answered = conversation.turn("threads.add_client_tool_output", result={"opened": True})
    *_, asked, opening, map_call, output = conversation.asked[0].transcript
    assert (asked.role, asked.text) == ("user", "show it on a map")
    assert (opening.role, opening.text) == ("assistant", "Opening the map of Lisbon.")
    assert (map_call.role, map_call.name) == ("tool_call", "open_map")
    assert (output.role, output.call_id, json.loads(output.text)) == ("tool", map_call.call_id, {"opened": True})
    assert answered.assistant_text == "The map is open."

    # 6. An attached file: the model reads its text with the message.
    attachment_id = conversation.upload("booking.txt", BOOKING)
    with_file = conversation.turn("threads.add_user_message", input=user_input("Plan around this", [attachment_id]))
    *_, previous, (role, text) = said(conversation.asked[0])
    assert previous == ("assistant", "The map is open.") and role == "user"
    assert text.startswith("Plan around this\n[The user attached a file: booking.txt (text/plain).")
    assert "Hotel Avenida, Lisbon" in text
    assert with_file.assistant_text == "Your booking at Hotel Avenida is in the plan."

    # 7. A retry regenerates that reply from the same conversation.
    message = next(e["item"] for e in with_file.of_type("thread.item.done") if e["item"]["type"] == "user_message")
    before = said(conversation.asked[0])
    retried = conversation.turn("threads.retry_after_item", item_id=message["id"])
    assert said(conversation.asked[0]) == before
    assert retried.assistant_text == "Your booking at Hotel Avenida is in the plan."

    # Every model request named the model, carried the key, and went to the API chosen; replies streamed.
    api = "/v1/chat/completions" if settings.MERAK_USE_CHAT_COMPLETIONS else "/v1/responses"
    assert {request.path for request in model_api.requests} == {api}
    assert all(request.body["stream"] for request in model_api.requests if not is_titling(request))
    assert {(r.body["model"], r.headers["authorization"]) for r in model_api.requests} == {
        ("local-model", "Bearer local-key")
    }
    # Every reply is stored, in order, under an id of its own (the retried one's is gone).
    stored = models.Item.objects.filter(thread_id=conversation.thread_id, type="assistant_message").order_by("seq")
    replies = [row.data for row in stored]
    assert ["".join(part["text"] for part in reply["content"]) for reply in replies] == [
        "Here is your plan: 3 days in Lisbon.",
        "Here is your plan: 3 days in Lisbon on a budget.",
        "Here is your plan: 4 days in Lisbon on a budget.",
        "Opening the map of Lisbon.",
        "The map is open.",
        "Your booking at Hotel Avenida is in the plan.",
    ]
    turns = (created, follow_up, pressed, asked_for_map, answered, with_file, retried)
    assert all(streamed_text(reply) == reply.assistant_text for reply in turns)
    ids = [reply["id"] for reply in replies] + reply_ids(with_file)
    assert "__fake_id__" not in ids and len(set(ids)) == len(ids) == 7
    assert [reply["id"] for reply in replies] == [
        i for reply in (created, follow_up, pressed, asked_for_map, answered, retried) for i in reply_ids(reply)
    ]


def test_a_replys_usage_is_what_the_model_reported_and_costs_its_price(conversation, model_api, settings):
    settings.MERAK_MODEL_PRICES = {"local-model": {"input": 2, "cached": 0.5, "output": 8}}

    created = conversation.turn("threads.create", input=user_input("3 days in Lisbon from 2027-03-12"))
    reported = [wire.Tokens.of(request.body, trip_planner(request)) for request in conversation.asked]
    follow_up = conversation.turn("threads.add_user_message", input=user_input("make it cheaper"))

    first, second = models.Reply.objects.filter(thread_id=conversation.thread_id).order_by("started_at")
    assert (first.request_type, second.request_type) == ("threads.create", "threads.add_user_message")
    assert (first.model, first.offline, first.outcome, first.item_id) == (
        "local-model",
        False,
        "done",
        reply_ids(created)[0],
    )
    assert first.requests == len(reported) == 3
    assert first.input_tokens == sum(tokens.prompt for tokens in reported)
    assert first.output_tokens == sum(tokens.completion for tokens in reported)
    assert first.tool_calls == 2 and first.first_token_ms is not None and first.total_ms >= first.first_token_ms
    expected = (Decimal(first.input_tokens) * 2 + Decimal(first.output_tokens) * 8) / 1_000_000
    assert first.cost == expected.quantize(Decimal("0.000001"))
    assert second.item_id == reply_ids(follow_up)[0] and second.output_tokens > 0


def test_a_reply_the_model_server_refused_is_recorded_as_failed_with_its_code(asgi_server, model_api):
    def refuse(request: ModelRequest) -> Reply:
        if is_titling(request):
            return say("Lisbon")
        raise RuntimeError("no capacity")

    model_api.script = refuse
    request = {"type": "threads.create", "params": {"input": user_input("3 days in Lisbon")}}
    response = httpx.post(f"{asgi_server}/chatkit", json=request, headers=proxy_headers(), timeout=60)
    events = parse_sse(response.content)

    (error,) = [event for event in events if event["type"] == "error"]
    (row,) = models.Reply.objects.filter(thread_id=events[0]["thread"]["id"])
    assert (row.outcome, row.error_code, row.model) == ("failed", error["code"], "local-model")
    assert (row.output_tokens, row.cost) == (0, None)


def test_the_model_and_mode_picked_in_the_composer_reach_the_model_server(conversation, model_api, settings):
    settings.MERAK_MODELS = ["local-large=Local large"]
    picks = {"model": "local-large", "tool_choice": {"id": "map"}}

    asked = conversation.turn("threads.create", input=user_input("Lisbon") | {"inference_options": picks})
    [first] = conversation.asked
    answered = conversation.turn("threads.add_client_tool_output", result={"opened": True})
    [after] = conversation.asked
    follow_up = conversation.turn("threads.add_user_message", input=user_input("3 days in Lisbon from 2027-03-12"))

    # The mode: the map tool forced, the mode's tools only, and its line in the instructions.
    assert forced_tool(first) == "open_map" and tool_names(first) == ["find_city", "open_map"]
    assert 'The user picked the mode "Show on a map"' in first.instructions
    assert [e["item"].get("name") for e in asked.of_type("thread.item.done")][-1] == "open_map"
    # The browser's answer is no new pick: all tools again, none forced, the model picked for the message.
    assert forced_tool(after) is None and "show_itinerary" in tool_names(after)
    assert answered.assistant_text == "The map is open."
    assert {first.body["model"], after.body["model"]} == {"local-large"}
    # A message that picks nothing gets the default model.
    assert {request.body["model"] for request in conversation.asked} == {"local-model"}
    assert follow_up.assistant_text == "Here is your plan: 3 days in Lisbon."
    recorded = models.Reply.objects.filter(thread_id=conversation.thread_id).order_by("started_at")
    assert [reply.model for reply in recorded] == ["local-large", "local-large", "local-model"]
