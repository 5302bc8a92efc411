"""Thread titles through the real `/chatkit` view: set after the first exchange, saved, streamed as `thread.updated`."""

from __future__ import annotations

import uuid

import pytest
from openai.types.responses import ResponseOutputMessage, ResponseOutputText

from agents_app.offline import OfflineTripPlannerModel
from chatkit_app import models
from chatkit_app.testing.protocol import user_input

pytestmark = pytest.mark.django_db(transaction=True)


class TitleWriterModel(OfflineTripPlannerModel):
    """Stands in for a real model asked for a title: answers with one, quoted, as models do."""

    prompts: list[str] = []

    def _next_output(self, model_input, tools):
        TitleWriterModel.prompts.append(model_input)
        text = "“Lisbon in early spring.”"
        part = ResponseOutputText(type="output_text", text=text, annotations=[], logprobs=[])
        return [
            ResponseOutputMessage(
                id=f"msg_{uuid.uuid4().hex}", type="message", role="assistant", status="completed", content=[part]
            )
        ]


async def test_the_first_exchange_titles_the_thread_from_the_request(create_thread):
    thread_id, reply = await create_thread("4 days in Lisbon from 2027-03-12")

    assert reply.events[-1]["type"] == "thread.updated"
    assert reply.events[-1]["thread"]["title"] == "4 days in Lisbon"
    assert reply.events[-2]["type"] == "thread.item.done" and reply.events[-2]["item"]["type"] == "assistant_message"
    assert (await models.Thread.objects.aget(thread_id=thread_id)).title == "4 days in Lisbon"


@pytest.mark.parametrize(
    ("message", "title"),
    [
        ("a weekend in Kyoto next month", "Weekend in Kyoto"),
        ("Kyoto", "Trip to Kyoto"),
        ("hello, can you help me plan something?", "Hello can you help me plan"),
    ],
)
async def test_titles_name_the_trip_or_start_the_first_message(create_thread, message, title):
    _, reply = await create_thread(message)
    assert reply.of_type("thread.updated")[0]["thread"]["title"] == title


async def test_later_messages_and_renamed_threads_keep_their_title(create_thread, chatkit):
    thread_id, _ = await create_thread("4 days in Lisbon from 2027-03-12")
    await chatkit({"type": "threads.update", "params": {"thread_id": thread_id, "title": "Our anniversary"}})

    params = {"thread_id": thread_id, "input": user_input("what about Porto?")}
    reply = await chatkit({"type": "threads.add_user_message", "params": params})

    assert not reply.of_type("thread.updated")
    assert (await models.Thread.objects.aget(thread_id=thread_id)).title == "Our anniversary"


async def test_with_a_real_model_a_model_call_writes_the_title(create_thread, monkeypatch):
    monkeypatch.setattr("agents_app.responder.title_model", lambda: TitleWriterModel())
    TitleWriterModel.prompts.clear()

    thread_id, reply = await create_thread("4 days in Lisbon from 2027-03-12")

    assert reply.of_type("thread.updated")[0]["thread"]["title"] == "Lisbon in early spring"
    assert TitleWriterModel.prompts == [[{"content": "4 days in Lisbon from 2027-03-12", "role": "user"}]]
    assert (await models.Thread.objects.aget(thread_id=thread_id)).title == "Lisbon in early spring"


async def test_the_offline_and_benchmark_models_title_without_a_model_call(settings):
    from agents_app.providers import title_model

    assert title_model() is None
    settings.MERAK_MODEL = "bench.fixed_reply_model.FixedReplyModel"
    settings.OPENAI_API_KEY = "sk-test"
    assert title_model() is None
