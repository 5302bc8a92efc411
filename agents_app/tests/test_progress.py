"""Tool progress inside ChatKit: a status line, then a workflow task that ends up complete."""

from datetime import datetime

from agents import RunContextWrapper
from chatkit.agents import AgentContext
from chatkit.store import default_generate_id
from chatkit.types import ProgressUpdateEvent, ThreadItemReplacedEvent, ThreadMetadata

from agents_app.progress import tool_progress


class _Store:
    def generate_item_id(self, item_type, thread, context):
        return default_generate_id(item_type)


def _context():
    thread = ThreadMetadata(id="thr", created_at=datetime.now())
    return AgentContext(thread=thread, store=_Store(), request_context=None)


def _drain(context):
    events = []
    while not context._events.empty():
        events.append(context._events.get_nowait())
    return events


async def test_a_tool_step_streams_progress_and_completes_its_task():
    context = _context()
    async with tool_progress(RunContextWrapper(context), "Looking up Lisbon", "map-pin") as step:
        step.title, step.result = "Found Lisbon, Portugal", "Population 517,802"

    events = _drain(context)
    assert isinstance(events[0], ProgressUpdateEvent) and events[0].text == "Looking up Lisbon…"
    assert [e.type for e in events[1:]] == ["thread.item.added", "thread.item.updated"]
    task = context.workflow_item.workflow.tasks[0]
    assert (task.title, task.content) == ("Found Lisbon, Portugal", "Population 517,802")
    assert task.status_indicator == "complete"


async def test_a_step_that_outlives_its_workflow_corrects_the_closed_workflow():
    context = _context()
    async with tool_progress(RunContextWrapper(context), "Checking the local time", "clock"):
        closed = context.workflow_item
        context.workflow_item = None  # as stream_agent_response does when a widget appears mid-tool

    replaced = _drain(context)[-1]
    assert isinstance(replaced, ThreadItemReplacedEvent) and replaced.item.id == closed.id
    assert replaced.item.workflow.tasks[0].status_indicator == "complete"


async def test_outside_chatkit_progress_is_a_no_op():
    async with tool_progress(RunContextWrapper(None), "Looking up Lisbon", "map-pin") as step:
        step.result = "fine"
