"""What a reply has started and not finished (its message, card or workflow), kept as far as it has got.

A reply's items are stored as they finish. So that a thread reopened mid-reply
shows the reply as it grows, and a worker killed mid-reply loses at most a
second of it, the items in progress are stored too, at most once a second
(`FLUSH_EVERY_SECONDS`, never per delta); the finished item later takes their
place (same id). When a reply is cancelled the SDK keeps its partial text;
`save_unfinished()` keeps the card or workflow in flight as well.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from chatkit.store import Store
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartAnnotationAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemRemovedEvent,
    ThreadItemReplacedEvent,
    ThreadItemUpdate,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    WidgetComponentUpdated,
    WidgetItem,
    WidgetRootUpdated,
    WidgetStreamingTextValueDelta,
    WorkflowItem,
    WorkflowTaskAdded,
    WorkflowTaskUpdated,
)
from chatkit.widgets import WidgetRoot
from pydantic import TypeAdapter

FLUSH_EVERY_SECONDS = 1.0

_WIDGET_ROOT: TypeAdapter[WidgetRoot] = TypeAdapter(WidgetRoot)


class InFlight:
    """The unfinished items of one reply, updated from its events, stored now and then through `store`."""

    def __init__(self, store: Store[Any], context: Any) -> None:
        self._store = store
        self._context = context
        self._items: dict[str, ThreadItem] = {}
        self._changed: set[str] = set()
        self._flushed_at = time.monotonic()

    def observe(self, event: ThreadStreamEvent) -> None:
        match event:
            case ThreadItemAddedEvent(item=AssistantMessageItem() | WorkflowItem() | WidgetItem() as item):
                self._items[item.id] = item.model_copy(deep=True)
                self._changed.add(item.id)
            case ThreadItemUpdatedEvent(item_id=item_id, update=update) if item_id in self._items:
                self._items[item_id] = _updated(self._items[item_id], update)
                self._changed.add(item_id)
            case ThreadItemDoneEvent(item=item) | ThreadItemReplacedEvent(item=item):
                self._forget(item.id)
            case ThreadItemRemovedEvent(item_id=item_id):
                self._forget(item_id)

    def flush_due(self) -> bool:
        return bool(self._changed) and time.monotonic() - self._flushed_at >= FLUSH_EVERY_SECONDS

    async def flush(self) -> None:
        """Store the items that changed since the last flush, as far as they have got."""
        changed, self._changed = self._changed, set()
        self._flushed_at = time.monotonic()
        await self._save([self._items[item_id] for item_id in changed if item_id in self._items])

    async def flush_between_events(self) -> None:
        """`flush()` between two of the SDK's events; a stop that comes meanwhile is handed on to the SDK.

        Between two events the SDK's generators wait outside their cancellation handling: a stop
        raised here would skip it, losing the partial text and the "cancelled" note. So the flush
        finishes, and the stop is raised again at the reply's next wait, inside the SDK.
        """
        flush = asyncio.ensure_future(self.flush())
        stops = 0
        while not flush.done():
            try:
                await asyncio.shield(flush)
            except asyncio.CancelledError:
                stops += 1
        if stops:
            task = asyncio.current_task()
            assert task is not None
            for _ in range(stops):
                task.uncancel()  # one stop again, as `asyncio.timeout` counts them (MERAK_RUN_MAX_SECONDS)
            task.cancel()
        flush.result()

    async def save_unfinished(self) -> None:
        """Store the cards and workflows still in flight (the reply was cancelled), as far as they got.

        The SDK's own cancellation keeps the partial text (and adds its "cancelled" note).
        """
        self._changed.clear()
        await self._save([item for item in self._items.values() if not isinstance(item, AssistantMessageItem)])

    def _forget(self, item_id: str) -> None:
        self._items.pop(item_id, None)
        self._changed.discard(item_id)

    async def _save(self, items: list[ThreadItem]) -> None:
        for item in items:
            if _shows_something(item):
                await self._store.save_item(item.thread_id, item, context=self._context)


def _shows_something(item: ThreadItem) -> bool:
    match item:
        case AssistantMessageItem():
            return any(part.text.strip() for part in item.content)
        case WorkflowItem():
            return bool(item.workflow.tasks)
    return True


def _updated(item: ThreadItem, update: ThreadItemUpdate) -> ThreadItem:
    """`item` with `update` applied (the item is this tracker's own copy: changed in place).

    Objects an update carries are copied before they are kept: the SDK applies the same update
    objects to its own copies of the items (a text delta, a string, needs no copy).
    """
    match item, update:
        case AssistantMessageItem(), AssistantMessageContentPartAdded() | AssistantMessageContentPartDone():
            _part(item, update.content_index)
            item.content[update.content_index] = update.content.model_copy(deep=True)
        case AssistantMessageItem(), AssistantMessageContentPartTextDelta():
            _part(item, update.content_index).text += update.delta
        case AssistantMessageItem(), AssistantMessageContentPartAnnotationAdded():
            _part(item, update.content_index).annotations.append(update.annotation.model_copy(deep=True))
        case WorkflowItem(), WorkflowTaskAdded():
            item.workflow.tasks.append(update.task.model_copy(deep=True))
        case WorkflowItem(), WorkflowTaskUpdated() if update.task_index < len(item.workflow.tasks):
            item.workflow.tasks[update.task_index] = update.task.model_copy(deep=True)
        case WidgetItem(), WidgetRootUpdated():
            item.widget = update.widget.model_copy(deep=True)
        case WidgetItem(), WidgetComponentUpdated() | WidgetStreamingTextValueDelta():
            item.widget = _WIDGET_ROOT.validate_python(_changed_component(item.widget.model_dump(), update))
    return item


def _part(item: AssistantMessageItem, index: int) -> AssistantMessageContent:
    while len(item.content) <= index:
        item.content.append(AssistantMessageContent(text="", annotations=[]))
    return item.content[index]


def _changed_component(node: Any, update: WidgetComponentUpdated | WidgetStreamingTextValueDelta) -> Any:
    """A widget's JSON with the component `update` names replaced, or its text extended."""
    if isinstance(node, list):
        return [_changed_component(child, update) for child in node]
    if not isinstance(node, dict):
        return node
    if node.get("id") == update.component_id:
        if isinstance(update, WidgetComponentUpdated):
            return update.component.model_dump()
        return {**node, "value": f"{node.get('value') or ''}{update.delta}"}
    return {key: _changed_component(value, update) for key, value in node.items()}
