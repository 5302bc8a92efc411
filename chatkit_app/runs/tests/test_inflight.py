"""The items a reply has in flight, kept from its events: stored as they grow, and kept when it is cancelled."""

from __future__ import annotations

from datetime import datetime

import pytest
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    CustomTask,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    WidgetComponentUpdated,
    WidgetItem,
    WidgetRootUpdated,
    WidgetStreamingTextValueDelta,
    Workflow,
    WorkflowItem,
    WorkflowTaskAdded,
)
from chatkit.widgets import DynamicWidgetComponent, DynamicWidgetRoot

from chatkit_app.runs import inflight
from chatkit_app.runs.inflight import InFlight
from chatkit_app.store import get_store

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2027, 3, 1, 12, 0)


def Text(value: str, **fields: str) -> DynamicWidgetComponent:  # noqa: N802 - reads like the component it is
    """A text component, as a widget template builds it."""
    return DynamicWidgetComponent.model_validate({"type": "Text", "value": value, **fields})


def card_of(*children: DynamicWidgetComponent) -> DynamicWidgetRoot:
    return DynamicWidgetRoot(type="Card", children=list(children))


@pytest.fixture
async def thread(alice):
    await get_store().save_thread(ThreadMetadata(id="thr_1", created_at=NOW), alice)
    return "thr_1"


@pytest.fixture
def every_change_due(monkeypatch):
    monkeypatch.setattr(inflight, "FLUSH_EVERY_SECONDS", 0)


async def stored(alice) -> dict[str, object]:
    page = await get_store().load_thread_items("thr_1", None, 50, "asc", alice)
    return {item.id: item for item in page.data}


def message(text: str = "") -> AssistantMessageItem:
    return AssistantMessageItem(
        id="msg_1", thread_id="thr_1", created_at=NOW, content=[AssistantMessageContent(text=text)]
    )


def delta(text: str) -> ThreadItemUpdatedEvent:
    return ThreadItemUpdatedEvent(
        item_id="msg_1", update=AssistantMessageContentPartTextDelta(content_index=0, delta=text)
    )


async def test_a_message_in_flight_is_stored_as_far_as_it_has_got_and_never_between_flushes(thread, alice, monkeypatch):
    tracker = InFlight(get_store(), alice)
    tracker.observe(ThreadItemAddedEvent(item=message()))
    for word in ("Day ", "one ", "in ", "Lisbon"):
        tracker.observe(delta(word))

    assert not tracker.flush_due(), "at most about once a second"
    monkeypatch.setattr(inflight, "FLUSH_EVERY_SECONDS", 0)  # a second later
    assert tracker.flush_due()
    await tracker.flush()

    assert (await stored(alice))["msg_1"].content[0].text == "Day one in Lisbon"
    assert not tracker.flush_due(), "nothing changed since"


async def test_a_finished_item_is_left_to_the_sdk(thread, alice, every_change_due):
    tracker = InFlight(get_store(), alice)
    tracker.observe(ThreadItemAddedEvent(item=message()))
    tracker.observe(delta("Day one"))
    tracker.observe(ThreadItemDoneEvent(item=message("Day one, and day two")))

    assert not tracker.flush_due()
    await tracker.save_unfinished()
    assert await stored(alice) == {}


async def test_a_cancelled_reply_keeps_its_card_and_workflow_as_far_as_they_got(thread, alice):
    tracker = InFlight(get_store(), alice)
    workflow = WorkflowItem(id="wf_1", thread_id="thr_1", created_at=NOW, workflow=Workflow(type="custom", tasks=[]))
    card = WidgetItem(id="w_1", thread_id="thr_1", created_at=NOW, widget=card_of(Text("Day", id="t")))
    tracker.observe(ThreadItemAddedEvent(item=workflow))
    tracker.observe(
        ThreadItemUpdatedEvent(item_id="wf_1", update=WorkflowTaskAdded(task_index=0, task=CustomTask(title="Lisbon")))
    )
    tracker.observe(ThreadItemAddedEvent(item=card))
    tracker.observe(
        ThreadItemUpdatedEvent(
            item_id="w_1", update=WidgetStreamingTextValueDelta(component_id="t", delta=" 1", done=False)
        )
    )
    tracker.observe(
        ThreadItemUpdatedEvent(
            item_id="w_1",
            update=WidgetComponentUpdated(component_id="t", component=Text("Day 1: Alfama", id="t")),
        )
    )
    tracker.observe(ThreadItemAddedEvent(item=message()))
    tracker.observe(delta("The SDK keeps this text itself"))

    await tracker.save_unfinished()

    kept = await stored(alice)
    assert set(kept) == {"wf_1", "w_1"}, "the text is the SDK's to keep"
    assert [task.title for task in kept["wf_1"].workflow.tasks] == ["Lisbon"]
    assert kept["w_1"].widget.children[0].value == "Day 1: Alfama"


async def test_a_card_replaced_whole_is_kept_whole(thread, alice):
    tracker = InFlight(get_store(), alice)
    card = WidgetItem(id="w_1", thread_id="thr_1", created_at=NOW, widget=card_of(Text("Day 1")))
    tracker.observe(ThreadItemAddedEvent(item=card))
    tracker.observe(ThreadItemUpdatedEvent(item_id="w_1", update=WidgetRootUpdated(widget=card_of(Text("Day 2")))))

    await tracker.save_unfinished()

    assert (await stored(alice))["w_1"].widget.children[0].value == "Day 2"


async def test_an_empty_message_or_workflow_is_not_stored(thread, alice, every_change_due):
    tracker = InFlight(get_store(), alice)
    tracker.observe(ThreadItemAddedEvent(item=message("  ")))
    tracker.observe(
        ThreadItemAddedEvent(
            item=WorkflowItem(id="wf_1", thread_id="thr_1", created_at=NOW, workflow=Workflow(type="custom", tasks=[]))
        )
    )
    tracker.observe(
        ThreadItemUpdatedEvent(
            item_id="msg_1",
            update=AssistantMessageContentPartAdded(content_index=0, content=AssistantMessageContent(text="")),
        )
    )

    await tracker.flush()
    await tracker.save_unfinished()

    assert await stored(alice) == {}
