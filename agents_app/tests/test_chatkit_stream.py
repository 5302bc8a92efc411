"""The offline planner's stream, as chatkit's `stream_agent_response` turns it into thread events for the UI.

No database here: a store stand-in holds what the SDK stores during a run. The `/chatkit`
tests (chatkit_app/tests) drive the same through the real view and store.
"""

from datetime import datetime
from types import SimpleNamespace

from agents import Runner
from chatkit.agents import AgentContext, stream_agent_response
from chatkit.store import default_generate_id
from chatkit.types import (
    AssistantMessageItem,
    ClientToolCallItem,
    ProgressUpdateEvent,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    WidgetItem,
    WorkflowItem,
)

from agents_app.planner import new_trip_planner
from agents_app.tests.support.run_context import RequestStub


class _EmptyThreadStore:
    """Just what a run reads from and writes to a store: the thread's latest items (none) and new ids."""

    def __init__(self):
        self.added = []

    def generate_item_id(self, item_type, thread, context):
        return default_generate_id(item_type)

    async def load_thread_items(self, thread_id, after, limit, order, context):
        return SimpleNamespace(data=[])

    async def add_thread_item(self, thread_id, item, context):
        self.added.append(item)


async def _thread_events(text, locale="en-GB"):
    context = AgentContext(
        thread=ThreadMetadata(id="thr_1", created_at=datetime.now()),
        store=_EmptyThreadStore(),
        request_context=RequestStub(locale=locale),
    )
    result = Runner.run_streamed(new_trip_planner(), text, context=context)
    return [event async for event in stream_agent_response(context, result)]


def _messages(events, event_type):
    return [e for e in events if isinstance(e, event_type) and isinstance(e.item, AssistantMessageItem)]


async def test_the_plan_arrives_as_one_assistant_message_streamed_in_pieces():
    events = await _thread_events("4 days in Lisbon from 2027-03-12")

    added = _messages(events, ThreadItemAddedEvent)
    done = _messages(events, ThreadItemDoneEvent)
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
    first = await _thread_events("A weekend in Kyoto from 2027-04-02")
    second = await _thread_events("A weekend in Kyoto from 2027-04-02")
    first_id = _messages(first, ThreadItemDoneEvent)[0].item.id
    second_id = _messages(second, ThreadItemDoneEvent)[0].item.id
    assert first_id != second_id


async def test_the_request_locale_reaches_the_tools():
    events = await _thread_events("3 days in Lisbon from 2027-12-24", locale="pt-PT")
    text = _messages(events, ThreadItemDoneEvent)[0].item.content[0].text
    assert "(Dia de Natal)" in text


async def test_tools_show_progress_then_a_workflow_of_completed_tasks():
    events = await _thread_events("4 days in Lisbon from 2027-03-12")

    progress = [e.text for e in events if isinstance(e, ProgressUpdateEvent)]
    assert "Looking up Lisbon…" in progress and "Drawing your itinerary…" in progress
    workflows = [e.item for e in events if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, WorkflowItem)]
    assert [workflow.workflow.type for workflow in workflows] == ["custom", "reasoning"]  # the tools', the thought
    tasks = workflows[0].workflow.tasks
    assert [task.status_indicator for task in tasks] == ["complete"] * 4
    assert tasks[0].title == "Found Lisbon, Portugal" and "Europe/Lisbon" in tasks[0].content
    # The workflow closes before the card and the reply, so they appear below it.
    kinds = [type(e.item).__name__ for e in events if isinstance(e, ThreadItemDoneEvent)]
    assert kinds == ["WorkflowItem", "WidgetItem", "WorkflowItem", "AssistantMessageItem"]


async def test_the_itinerary_card_streams_row_by_row():
    events = await _thread_events("3 days in Lisbon from 2027-12-24")

    added = next(e for e in events if isinstance(e, ThreadItemAddedEvent) and isinstance(e.item, WidgetItem))
    updates = [e for e in events if isinstance(e, ThreadItemUpdatedEvent) and e.item_id == added.item.id]
    done = next(e.item for e in events if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, WidgetItem))
    assert len(added.item.widget.children) == 2  # heading and divider, no days yet
    assert [u.update.type for u in updates] == ["widget.root.updated"] * 4  # three days, then the buttons
    assert done.id == added.item.id and done.widget == updates[-1].update.widget
    assert "Day 2 (Sat 25 Dec): " in done.copy_text and "Christmas Day" in done.copy_text


async def test_a_map_request_ends_the_run_with_a_pending_client_tool_call():
    events = await _thread_events("show Lisbon on a map")

    call = events[-1].item
    assert isinstance(call, ClientToolCallItem) and call.status == "pending"
    assert call.name == "open_map" and call.arguments["place"] == "Lisbon, Portugal"
    assert call.arguments["url"].startswith("https://www.openstreetmap.org/")
    assert not _messages(events, ThreadItemAddedEvent)  # nothing more until the browser answers
