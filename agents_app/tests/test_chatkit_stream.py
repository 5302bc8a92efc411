"""The offline planner's stream, as chatkit's `stream_agent_response` turns it into thread events for the UI."""

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from agents import Runner
from chatkit.agents import AgentContext, stream_agent_response
from chatkit.types import (
    AssistantMessageItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
)

from agents_app.planner import new_trip_planner


@dataclass
class _Request:
    user_id: str = "alice"
    request_id: str = "req-1"
    locale: str = "en-GB"
    feature_flags: frozenset[str] = frozenset()


class _EmptyThreadStore:
    """Just what stream_agent_response reads from a store: the (empty) thread's latest items."""

    async def load_thread_items(self, thread_id, after, limit, order, context):
        return SimpleNamespace(data=[])


async def _thread_events(text, locale="en-GB"):
    context = AgentContext(
        thread=ThreadMetadata(id="thr_1", created_at=datetime.now()),
        store=_EmptyThreadStore(),
        request_context=_Request(locale=locale),
    )
    result = Runner.run_streamed(new_trip_planner(), text, context=context)
    return [event async for event in stream_agent_response(context, result)]


async def test_the_plan_arrives_as_one_assistant_message_streamed_in_pieces():
    events = await _thread_events("4 days in Lisbon from 2027-03-12")

    added = [e for e in events if isinstance(e, ThreadItemAddedEvent)]
    done = [e for e in events if isinstance(e, ThreadItemDoneEvent)]
    deltas = [
        e
        for e in events
        if isinstance(e, ThreadItemUpdatedEvent) and e.update.type == "assistant_message.content_part.text_delta"
    ]
    assert len(added) == len(done) == 1
    message = done[0].item
    assert isinstance(message, AssistantMessageItem) and message.id == added[0].item.id
    assert len(deltas) > 50 and {d.item_id for d in deltas} == {message.id}
    text = message.content[0].text
    assert "".join(d.update.delta for d in deltas) == text
    assert text.startswith("(Offline planner") and "Lisbon" in text


async def test_each_reply_gets_its_own_message_id():
    first = await _thread_events("Kyoto")
    second = await _thread_events("Kyoto")
    first_id = next(e.item.id for e in first if isinstance(e, ThreadItemDoneEvent))
    second_id = next(e.item.id for e in second if isinstance(e, ThreadItemDoneEvent))
    assert first_id != second_id


async def test_the_request_locale_reaches_the_tools():
    events = await _thread_events("3 days in Lisbon from 2027-12-24", locale="pt-PT")
    text = next(e.item for e in events if isinstance(e, ThreadItemDoneEvent)).content[0].text
    assert "(Dia de Natal)" in text
