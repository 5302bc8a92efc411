"""Structured questions through the real `/chatkit` view: what a plan is missing is asked with ChatKit's form,
answered (or skipped) with `threads.add_structured_input`, and the plan goes on from the answers.
"""

from __future__ import annotations

import pytest

from agents_app.tests.support.openai_server import ModelRequest, OpenAIServer, Reply, ToolCall, say
from chatkit_app import models
from chatkit_app.testing.protocol import stored_rows

from .test_openai_compatible_servers import is_titling

pytestmark = pytest.mark.django_db(transaction=True)


def form(reply) -> dict:
    """The structured-input item the reply ended with."""
    [item] = [e["item"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == "structured_input"]
    return item


def answer(thread_id: str, item: dict, status: str = "answered", **answers: list[str] | None) -> dict:
    """What the browser sends when the form is submitted: each question's values, or skipped (None)."""
    submitted = {key: {"values": values or [], "skipped": values is None} for key, values in answers.items()}
    params = {"thread_id": thread_id, "item_id": item["id"], "input": {"status": status, "answers": submitted}}
    return {"type": "threads.add_structured_input", "params": params}


async def test_a_request_without_destination_or_dates_is_asked_with_a_form(create_thread):
    thread_id, reply = await create_thread("Plan me a trip")

    asked = form(reply)
    assert asked["status"] == "pending"
    assert [(q["id"], q["type"], q["question"]) for q in asked["inputs"]] == [
        ("destination", "multiple_choice", "Where would you like to go?"),
        ("dates", "multiple_choice", "When would you like to go?"),
        ("length", "multiple_choice", "For how many days?"),
    ]
    assert [o["value"] for o in asked["inputs"][0]["options"]] == ["Lisbon", "Kyoto", "Paris", "New York"]
    assert not reply.of_type("error") and not reply.assistant_text, "the form is the reply"
    stored = await models.Item.objects.aget(item_id=asked["id"])
    assert (stored.type, stored.data["status"]) == ("structured_input", "pending")


async def test_answering_the_form_plans_from_the_answers_and_records_them(create_thread, chatkit):
    thread_id, reply = await create_thread("Plan me a trip")
    asked = form(reply)

    planned = await chatkit(answer(thread_id, asked, destination=["Kyoto"], dates=["2027-04-02"], length=["5 days"]))

    assert planned.status == 200
    replaced = planned.of_type("thread.item.replaced")[0]["item"]
    assert replaced["status"] == "answered"
    assert [q["answer"] for q in replaced["inputs"]] == [
        {"values": ["Kyoto"], "skipped": False},
        {"values": ["2027-04-02"], "skipped": False},
        {"values": ["5 days"], "skipped": False},
    ]
    assert "**5 days in Kyoto, Japan: Friday 2 April to Tuesday, 6 April 2027**" in planned.assistant_text
    assert any(e["item"]["type"] == "widget" for e in planned.of_type("thread.item.done"))
    stored = await models.Item.objects.aget(item_id=asked["id"])
    assert stored.data["status"] == "answered" and stored.data["inputs"][0]["answer"]["values"] == ["Kyoto"]


async def test_a_skipped_dates_question_leaves_the_dates_to_the_planner(create_thread, chatkit):
    thread_id, reply = await create_thread("Somewhere warm: Lisbon")
    asked = form(reply)
    assert [q["id"] for q in asked["inputs"]] == ["dates", "length"], "the destination is known"
    assert asked["inputs"][0]["question"] == "When would you like to go to Lisbon?"

    planned = await chatkit(answer(thread_id, asked, dates=None, length=["2 days"]))

    assert "2 days in Lisbon" in planned.assistant_text
    assert "picked" in planned.assistant_text.lower(), "it says it chose the dates"


async def test_a_skipped_form_without_a_destination_is_asked_again_in_words(create_thread, chatkit):
    thread_id, reply = await create_thread("Plan me a trip")

    skipped = await chatkit(answer(thread_id, form(reply), status="skipped"))

    assert skipped.status == 200
    assert skipped.of_type("thread.item.replaced")[0]["item"]["status"] == "skipped"
    assert "Where would you like to go, and when?" in skipped.assistant_text
    assert not [e for e in skipped.of_type("thread.item.done") if e["item"]["type"] == "structured_input"]


async def test_a_form_already_answered_or_an_item_that_is_no_form_is_a_400_that_changes_nothing(create_thread, chatkit):
    thread_id, reply = await create_thread("Plan me a trip")
    asked = form(reply)
    await chatkit(answer(thread_id, asked, destination=["Kyoto"], dates=["2027-04-02"], length=["5 days"]))
    message_id = reply.of_type("thread.item.done")[0]["item"]["id"]
    before = await stored_rows()

    again = await chatkit(answer(thread_id, asked, destination=["Paris"], dates=["Any time"], length=["2 days"]))
    not_a_form = await chatkit(answer(thread_id, {"id": message_id}, destination=["Paris"]))

    assert (again.status, again.json["error"]["code"]) == (400, "already_answered")
    assert again.json["error"]["message"] == f"Item {asked['id']} was already answered."
    assert (not_a_form.status, not_a_form.json["error"]["code"]) == (400, "invalid_request")
    assert await stored_rows() == before


def asking_model(request: ModelRequest) -> Reply:
    """A model that asks with the form when it lacks the destination, then plans from the answers."""
    if is_titling(request):
        return say("A trip")
    said = request.transcript[-1].text
    if "<StructuredInput>" in said:
        answers = said.split("<StructuredInput>")[1].split("</StructuredInput>")[0]
        return say(f"Answers received: {answers.strip()}")
    question = {"about": "destination", "question": "Where to?", "choices": ["Kyoto", "Oslo"]}
    return Reply(tool_calls=(ToolCall("ask_user", {"questions": [question]}),))


@pytest.mark.parametrize("chat_completions", [True, False], ids=["chat_completions", "responses"])
async def test_a_real_model_asks_with_the_form_and_reads_the_answers(
    create_thread, chatkit, settings, openai_server: OpenAIServer, chat_completions
):
    openai_server.script = asking_model
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "local-key", openai_server.base_url
    settings.MERAK_MODEL, settings.MERAK_USE_CHAT_COMPLETIONS = "local-model", chat_completions

    thread_id, reply = await create_thread("Plan me a trip")
    asked = form(reply)
    answered = await chatkit(answer(thread_id, asked, destination=["Oslo"]))

    assert [o["value"] for o in asked["inputs"][0]["options"]] == ["Kyoto", "Oslo"]
    assert answered.assistant_text == "Answers received: - Where to?: Oslo"
    planner = [r for r in openai_server.requests if not is_titling(r)]
    assert len(planner) == 2, "the run stopped at the form; the answers started the next"
