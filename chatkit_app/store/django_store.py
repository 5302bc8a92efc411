"""The ChatKit `Store` on the Django ORM: threads, items, attachments, feedback.

Semantics follow the SDK's reference store: items in `created_at` order with
insertion order breaking ties, `after` is the id of the last row of the
previous page, `save_*` are upserts, and a row of another user is exactly as
missing as one that never existed. Deleting a thread deletes its items and
the files attached in it. The queries (`rows`) run on the database threads
(`merak_project.runtime.db_threads`), so nothing here blocks the event loop;
each method runs as few as it can, mostly one (deleting a thread takes a
transaction, then its files), and the read a reply repeats is answered from
what its run already read (`remember_newest_items`), with none.
"""

from __future__ import annotations

import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, TypeVar

from chatkit.store import Store, StoreItemType, default_generate_id
from chatkit.types import Attachment, FeedbackKind, Page, ThreadItem, ThreadMetadata

from chatkit_app.store import rows
from chatkit_app.store.paging import Order


class StoreContext(Protocol):
    """What the store reads of a request's context: whose rows these are."""

    @property
    def user_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class _NewestItems:
    thread_id: str
    user_id: str
    items: list[ThreadItem]  # newest first
    complete: bool  # these are all the thread's items


# The request context a store is used with: any with a `user_id` (`RequestContext` for the server).
_Context = TypeVar("_Context", bound=StoreContext)


# What a reply's run just read of its thread (see `DjangoStore.remember_newest_items`).
# A context variable: each request's stream runs in a task of its own, with its own value.
_newest_items: ContextVar[_NewestItems | None] = ContextVar("merak_newest_items", default=None)


class DjangoStore(Store[_Context]):
    """A ChatKit store scoped by `context.user_id`; any object with that attribute will do (`StoreContext`)."""

    def remember_newest_items(
        self, thread_id: str, newest_first: list[ThreadItem], *, complete: bool, context: _Context
    ) -> None:
        """Answer this task's next newest-first read of the thread from `newest_first`, without a query.

        The reply's run reads the thread's history, and the SDK's agent
        integration (`stream_agent_response`) reads its newest two items again
        as it starts. The remembered items serve that one read, only while
        this task writes nothing to the thread, and only if they cover it;
        any other read queries the database.
        """
        _newest_items.set(_NewestItems(thread_id, context.user_id, newest_first, complete))

    def _remembered_page(self, thread_id: str, limit: int, user_id: str) -> Page[ThreadItem] | None:
        known = _newest_items.get()
        if known is None or known.thread_id != thread_id or known.user_id != user_id:
            return None
        _newest_items.set(None)
        if limit > len(known.items) and not known.complete:
            return None  # more than what is known was asked for
        data = known.items[:limit]
        has_more = len(known.items) > limit or (limit == len(known.items) and not known.complete)
        return Page(data=data, has_more=has_more, after=data[-1].id if has_more and data else None)

    def _forget_newest_items(self, thread_id: str) -> None:
        known = _newest_items.get()
        if known is not None and known.thread_id == thread_id:
            _newest_items.set(None)

    def generate_thread_id(self, context: _Context) -> str:
        # A `threads.create` has its id chosen (and leased) before the SDK asks for one.
        return getattr(context, "new_thread_id", None) or _longer(default_generate_id("thread"))

    def generate_item_id(self, item_type: StoreItemType, thread: ThreadMetadata, context: _Context) -> str:
        return _longer(default_generate_id(item_type))

    async def load_thread(self, thread_id: str, context: _Context) -> ThreadMetadata:
        return await rows.load_thread(thread_id, context.user_id)

    async def save_thread(self, thread: ThreadMetadata, context: _Context) -> None:
        await rows.save_thread(thread, context.user_id)

    async def load_threads(self, limit: int, after: str | None, order: str, context: _Context) -> Page[ThreadMetadata]:
        return await rows.load_threads(max(limit, 0), after, _order(order), context.user_id)

    async def delete_thread(self, thread_id: str, context: _Context) -> None:
        """Delete the thread with its items and the files attached in it (their bytes after the rows)."""
        self._forget_newest_items(thread_id)
        attachment_ids = await rows.delete_thread(thread_id, context.user_id)
        if attachment_ids:
            await rows.delete_files(attachment_ids)

    async def load_thread_items(
        self, thread_id: str, after: str | None, limit: int, order: str, context: _Context
    ) -> Page[ThreadItem]:
        limit, order = max(limit, 0), _order(order)
        if after is None and order == "desc":
            page = self._remembered_page(thread_id, limit, context.user_id)
            if page is not None:
                return page
        return await rows.load_thread_items(thread_id, after, limit, order, context.user_id)

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: _Context) -> None:
        self._forget_newest_items(thread_id)
        await rows.upsert_item(thread_id, item, context.user_id)

    async def save_item(self, thread_id: str, item: ThreadItem, context: _Context) -> None:
        self._forget_newest_items(thread_id)
        await rows.upsert_item(thread_id, item, context.user_id)

    async def load_item(self, thread_id: str, item_id: str, context: _Context) -> ThreadItem:
        return await rows.load_item(thread_id, item_id, context.user_id)

    async def delete_thread_item(self, thread_id: str, item_id: str, context: _Context) -> None:
        self._forget_newest_items(thread_id)
        await rows.delete_item(thread_id, item_id, context.user_id)

    async def save_attachment(self, attachment: Attachment, context: _Context) -> None:
        await rows.save_attachment(attachment, context.user_id)

    async def load_attachment(self, attachment_id: str, context: _Context) -> Attachment:
        return await rows.load_attachment(attachment_id, context.user_id)

    async def delete_attachment(self, attachment_id: str, context: _Context) -> None:
        await rows.delete_attachment(attachment_id, context.user_id)

    async def save_feedback(self, thread_id: str, item_ids: list[str], kind: FeedbackKind, context: _Context) -> None:
        """Record (or change) this user's feedback on items of one of their threads."""
        await rows.save_feedback(thread_id, item_ids, kind, context.user_id)


def _longer(sdk_id: str) -> str:
    # The SDK's ids carry 32 random bits: collisions are likely within a
    # hundred thousand rows. Keep its prefix, add 64 more bits.
    return sdk_id + secrets.token_hex(8)


def _order(order: str) -> Order:
    return "desc" if order == "desc" else "asc"


@cache
def get_store() -> DjangoStore[Any]:
    """The process-wide store (it holds no state of its own).

    It serves every kind of context, hence `Any`: the SDK's `Store[TContext]`
    is invariant, so no one parameter would fit every caller.
    """
    return DjangoStore()
