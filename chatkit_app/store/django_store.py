"""The ChatKit `Store` on the Django ORM: threads, items, attachments, feedback.

Semantics follow the SDK's reference store: items in `created_at` order with
insertion order breaking ties, `after` is the id of the last row of the
previous page, `save_*` are upserts, and a row of another user is exactly as
missing as one that never existed. Deleting a thread deletes its items and
the files attached in it. Every method makes one hop to the database
threads (`chatkit_app.database`) and one query where one suffices (a read
repeated within a reply is answered without one: `remember_newest_items`);
nothing here blocks the event loop.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

from asgiref.sync import sync_to_async
from chatkit.store import NotFoundError, Store, StoreItemType, default_generate_id
from chatkit.types import Attachment, FeedbackKind, Page, ThreadItem, ThreadMetadata
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, DateTimeField, F, Func, QuerySet, Value
from django.utils import timezone
from pydantic import TypeAdapter

from . import models
from .attachment_links import with_fresh_preview, with_fresh_previews
from .database import in_database_thread
from .models import as_aware
from .upsert import upsert_owned

_ITEM = TypeAdapter(ThreadItem)
_THREAD = TypeAdapter(ThreadMetadata)
_ATTACHMENT = TypeAdapter(Attachment)


def _item(data: Any) -> ThreadItem:
    # Preview links stored in messages are re-signed as they are read (see `attachment_links`).
    return with_fresh_previews(_ITEM.validate_python(data))


Order = Literal["asc", "desc"]


class CursorNotFoundError(NotFoundError, ValueError):
    """The `after` cursor names no row of this user (the SDK's store raises ValueError)."""


def _thread_columns(thread: ThreadMetadata) -> dict[str, Any]:
    # `thread` may be a full `Thread` (with items); only the metadata is stored.
    data = _THREAD.dump_python(thread, mode="json")
    return {
        "title": (thread.title or "")[:512],
        "status": thread.status.type,
        "created_at": as_aware(thread.created_at),
        "data": data,
    }


def _item_columns(item: ThreadItem) -> dict[str, Any]:
    return {"type": item.type, "created_at": as_aware(item.created_at), "data": item.model_dump(mode="json")}


def _keyset_page(qs: QuerySet, key: str, after: str | None, limit: int, order: Order, parse) -> Page:
    """A page of `qs` in (created_at, seq) order, after the row whose `key` is `after`.

    `CursorNotFoundError` when no row of `qs` has that key. With a cursor, the
    page is a range of the (..., created_at, seq) index that both models have,
    read in index order: see `_in_index_order`.
    """
    if after is not None:
        # Unordered: the key is unique, and ordering the lookup could only mislead the planner.
        cursor = next(iter(qs.filter(**{key: after}).order_by().values_list("created_at", "seq")[:1]), None)
        if cursor is None:
            raise CursorNotFoundError(f"{qs.model.__name__} {after} not found")
        qs = qs.filter(_Beyond(*cursor, descending=order == "desc"))
    ordering = ("-created_at", "-seq") if order == "desc" else ("created_at", "seq")
    with _in_index_order(after is not None):
        rows = list(qs.order_by(*ordering).values_list("data", flat=True)[: limit + 1])
    has_more = len(rows) > limit
    data = [parse(row) for row in rows[:limit]]
    return Page(data=data, has_more=has_more, after=data[-1].id if has_more and data else None)


class _Beyond(Func):
    """`(created_at, seq) > (cursor)`, or `<` going down: one comparison that the index answers whole."""

    output_field = BooleanField()

    def __init__(self, created_at: datetime, seq: int, *, descending: bool) -> None:
        super().__init__(F("created_at"), F("seq"), Value(created_at, output_field=DateTimeField()), Value(seq))
        self.comparison = "<" if descending else ">"

    def as_sql(self, compiler, connection, **extra_context) -> tuple[str, list[Any]]:
        compiled = [compiler.compile(expression) for expression in self.get_source_expressions()]
        (created_at, seq, cursor_created_at, cursor_seq) = (sql for sql, _ in compiled)
        params = [param for _, params in compiled for param in params]
        return f"({created_at}, {seq}) {self.comparison} ({cursor_created_at}, {cursor_seq})", params


# Sent with a paged read on PostgreSQL, in the same message: statements sent together run as one
# transaction, so these settings hold for that read alone, at no extra round trip.
_WALK_THE_INDEX = "SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off; "


def _walking_the_index(execute, sql, params, many, context):
    """A query that PostgreSQL must answer by walking an index in order (see `_in_index_order`)."""
    result = execute(_WALK_THE_INDEX + sql, params, many, context)
    cursor = context["cursor"]
    while cursor.description is None and cursor.nextset():
        pass  # past the settings' results, to the query's rows
    return result


@contextmanager
def _in_index_order(paging: bool) -> Iterator[None]:
    """On PostgreSQL, a page after a cursor is read by walking the index, whatever the planner's statistics say.

    Without statistics (a new table, or one that grew faster than autovacuum
    analyses it) PostgreSQL guesses that a thread holds a handful of rows, and
    reads all of a long thread's rows after the cursor to sort them: 3-18 ms
    for a 10,000-item thread, against under 1 ms walking the index. Told that
    it may neither sort nor scan a bitmap, it walks the index.
    """
    if not paging or connection.vendor != "postgresql":
        yield
        return
    with connection.execute_wrapper(_walking_the_index):
        yield


# --- threads -----------------------------------------------------------------


@in_database_thread
def _load_thread(thread_id: str, user_id: str) -> ThreadMetadata:
    data = models.Thread.objects.filter(thread_id=thread_id, user_id=user_id).values_list("data", flat=True).first()
    if data is None:
        raise NotFoundError(f"Thread {thread_id} not found")
    return _THREAD.validate_python(data)


@in_database_thread
def _save_thread(thread: ThreadMetadata, user_id: str) -> None:
    columns = {**_thread_columns(thread), "updated_at": timezone.now()}
    written = upsert_owned(
        models.Thread,
        {"thread_id": thread.id, "user_id": user_id, **columns},
        conflict=("thread_id",),
        update=tuple(columns),
    )
    if not written:  # the id is another user's thread
        raise NotFoundError(f"Thread {thread.id} not found")


@in_database_thread
def _load_threads(limit: int, after: str | None, order: Order, user_id: str) -> Page[ThreadMetadata]:
    threads = models.Thread.objects.filter(user_id=user_id)
    return _keyset_page(threads, "thread_id", after or None, limit, order, _THREAD.validate_python)


@in_database_thread
def _delete_thread(thread_id: str, user_id: str) -> list[str]:
    """Delete the thread, its items and feedback (ON DELETE CASCADE, batched) and the records of the
    files attached in it; the ids of those attachments."""
    with transaction.atomic():
        attachments = models.Attachment.objects.filter(thread_id=thread_id, user_id=user_id)
        attachment_ids = list(attachments.values_list("attachment_id", flat=True))
        attachments.delete()
        models.Thread.objects.filter(thread_id=thread_id, user_id=user_id).delete()
    return attachment_ids


_delete_files = sync_to_async(models.Attachment.delete_files, thread_sensitive=False)


# --- items -------------------------------------------------------------------


@in_database_thread
def _load_thread_items(
    thread_id: str, after: str | None, limit: int, order: Order, user_id: str
) -> Page[ThreadItem]:
    items = models.Item.objects.filter(thread_id=thread_id, user_id=user_id)
    return _keyset_page(items, "item_id", after or None, limit, order, _item)


@in_database_thread
def _upsert_item(thread_id: str, item: ThreadItem, user_id: str) -> None:
    columns = _item_columns(item)
    try:
        # An item saved again keeps its place (seq) in the thread.
        written = upsert_owned(
            models.Item,
            {"thread": thread_id, "item_id": item.id, "user_id": user_id, **columns},
            conflict=("thread", "item_id"),
            update=tuple(columns),
            parent=(models.Thread, {"thread_id": thread_id, "user_id": user_id}),
        )
    except IntegrityError:  # the thread was deleted while this ran
        written = False
    if not written:
        raise NotFoundError(f"Thread {thread_id} not found")


@in_database_thread
def _load_item(thread_id: str, item_id: str, user_id: str) -> ThreadItem:
    data = (
        models.Item.objects.filter(thread_id=thread_id, item_id=item_id, user_id=user_id)
        .values_list("data", flat=True)
        .first()
    )
    if data is None:
        raise NotFoundError(f"Item {item_id} not found in thread {thread_id}")
    return _item(data)


@in_database_thread
def _delete_item(thread_id: str, item_id: str, user_id: str) -> None:
    models.Item.objects.filter(thread_id=thread_id, item_id=item_id, user_id=user_id).delete()


@in_database_thread
def _save_feedback(thread_id: str, item_ids: list[str], kind: FeedbackKind, user_id: str) -> None:
    wanted = set(item_ids)
    found = dict(
        models.Item.objects.filter(thread_id=thread_id, user_id=user_id, item_id__in=wanted).values_list(
            "item_id", "seq"
        )
    )
    if missing := wanted - found.keys():
        raise NotFoundError(f"Item {sorted(missing)[0]} not found in thread {thread_id}")
    rows = [models.Feedback(item_id=seq, user_id=user_id, kind=kind) for seq in found.values()]
    models.Feedback.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["item", "user_id"], update_fields=["kind"]
    )


# --- attachments ---------------------------------------------------------------


@in_database_thread
def _save_attachment(attachment: Attachment, user_id: str) -> None:
    columns = {
        "thread_id": attachment.thread_id or "",
        "name": attachment.name[:512],
        "mime_type": attachment.mime_type[:255],
        "type": attachment.type,
        "data": attachment.model_dump(mode="json"),
    }
    written = upsert_owned(
        models.Attachment,
        {"attachment_id": attachment.id, "user_id": user_id, "created_at": timezone.now(), **columns},
        conflict=("attachment_id",),
        update=tuple(columns),
    )
    if not written:  # the id is another user's attachment
        raise NotFoundError(f"Attachment {attachment.id} not found")


@in_database_thread
def _load_attachment(attachment_id: str, user_id: str) -> Attachment:
    data = (
        models.Attachment.objects.filter(attachment_id=attachment_id, user_id=user_id)
        .values_list("data", flat=True)
        .first()
    )
    if data is None:
        raise NotFoundError(f"Attachment {attachment_id} not found")
    return with_fresh_preview(_ATTACHMENT.validate_python(data))


@in_database_thread
def _delete_attachment(attachment_id: str, user_id: str) -> None:
    models.Attachment.objects.filter(attachment_id=attachment_id, user_id=user_id).delete()


@dataclass(frozen=True, slots=True)
class _NewestItems:
    thread_id: str
    user_id: str
    items: list[ThreadItem]  # newest first
    complete: bool  # these are all the thread's items


# What a reply's run just read of its thread (see `DjangoStore.remember_newest_items`).
# A context variable: each request's stream runs in a task of its own, with its own value.
_newest_items: ContextVar[_NewestItems | None] = ContextVar("merak_newest_items", default=None)


class DjangoStore(Store[Any]):
    """A ChatKit store scoped by `context.user_id`; any object with that attribute will do."""

    def remember_newest_items(
        self, thread_id: str, newest_first: list[ThreadItem], *, complete: bool, context: Any
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

    def generate_thread_id(self, context: Any) -> str:
        # A `threads.create` has its id chosen (and leased) before the SDK asks for one.
        return getattr(context, "new_thread_id", None) or _longer(default_generate_id("thread"))

    def generate_item_id(self, item_type: StoreItemType, thread: ThreadMetadata, context: Any) -> str:
        return _longer(default_generate_id(item_type))

    async def load_thread(self, thread_id: str, context: Any) -> ThreadMetadata:
        return await _load_thread(thread_id, context.user_id)

    async def save_thread(self, thread: ThreadMetadata, context: Any) -> None:
        await _save_thread(thread, context.user_id)

    async def load_threads(self, limit: int, after: str | None, order: str, context: Any) -> Page[ThreadMetadata]:
        return await _load_threads(max(limit, 0), after, _order(order), context.user_id)

    async def delete_thread(self, thread_id: str, context: Any) -> None:
        """Delete the thread with its items and the files attached in it (their bytes after the rows)."""
        self._forget_newest_items(thread_id)
        attachment_ids = await _delete_thread(thread_id, context.user_id)
        if attachment_ids:
            await _delete_files(attachment_ids)

    async def load_thread_items(
        self, thread_id: str, after: str | None, limit: int, order: str, context: Any
    ) -> Page[ThreadItem]:
        limit, order = max(limit, 0), _order(order)
        if after is None and order == "desc":
            page = self._remembered_page(thread_id, limit, context.user_id)
            if page is not None:
                return page
        return await _load_thread_items(thread_id, after, limit, order, context.user_id)

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: Any) -> None:
        self._forget_newest_items(thread_id)
        await _upsert_item(thread_id, item, context.user_id)

    async def save_item(self, thread_id: str, item: ThreadItem, context: Any) -> None:
        self._forget_newest_items(thread_id)
        await _upsert_item(thread_id, item, context.user_id)

    async def load_item(self, thread_id: str, item_id: str, context: Any) -> ThreadItem:
        return await _load_item(thread_id, item_id, context.user_id)

    async def delete_thread_item(self, thread_id: str, item_id: str, context: Any) -> None:
        self._forget_newest_items(thread_id)
        await _delete_item(thread_id, item_id, context.user_id)

    async def save_attachment(self, attachment: Attachment, context: Any) -> None:
        await _save_attachment(attachment, context.user_id)

    async def load_attachment(self, attachment_id: str, context: Any) -> Attachment:
        return await _load_attachment(attachment_id, context.user_id)

    async def delete_attachment(self, attachment_id: str, context: Any) -> None:
        await _delete_attachment(attachment_id, context.user_id)

    async def save_feedback(self, thread_id: str, item_ids: list[str], kind: FeedbackKind, context: Any) -> None:
        """Record (or change) this user's feedback on items of one of their threads."""
        await _save_feedback(thread_id, item_ids, kind, context.user_id)


def _longer(sdk_id: str) -> str:
    # The SDK's ids carry 32 random bits: collisions are likely within a
    # hundred thousand rows. Keep its prefix, add 64 more bits.
    return sdk_id + secrets.token_hex(8)


def _order(order: str) -> Order:
    return "desc" if order == "desc" else "asc"


@cache
def get_store() -> DjangoStore:
    """The process-wide store (it holds no state of its own)."""
    return DjangoStore()
