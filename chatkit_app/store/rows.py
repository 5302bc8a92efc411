"""The store's queries, one function per store method, each run on the database threads.

Rows are always filtered by their user: another user's row is exactly as
missing as one that never existed, and a write is one statement that only
lands on a row of its own user (`upsert_owned`). Each item and thread row
keeps the SDK object as JSON; the columns beside it are derived here, in one
place.
"""

from __future__ import annotations

from typing import Any, cast

from asgiref.sync import sync_to_async
from chatkit.store import NotFoundError
from chatkit.types import (
    AssistantMessageItem,
    Attachment,
    FeedbackKind,
    Page,
    ThreadItem,
    ThreadMetadata,
    UserMessageItem,
    WidgetItem,
)
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from pydantic import TypeAdapter

from chatkit_app import models
from chatkit_app.attachments.links import with_fresh_preview, with_fresh_previews
from chatkit_app.models import as_aware
from chatkit_app.store.paging import Order, field_column, keyset_page
from merak_project.runtime.db_threads import in_database_thread

_ITEM = TypeAdapter(ThreadItem)


_THREAD = TypeAdapter(ThreadMetadata)


_ATTACHMENT = TypeAdapter(Attachment)


def _item(data: str) -> ThreadItem:
    """A stored item, from its JSON text. Preview links in messages are re-signed as they are read (see
    `attachments.links`)."""
    return with_fresh_previews(_ITEM.validate_json(data))


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
    data = item.model_dump(mode="json")
    if isinstance(item, WidgetItem):
        # A widget built from a template gives every component a null `children`: stored as it is sent.
        data["widget"] = item.widget.model_dump(mode="json", exclude_none=True)
    return {
        "type": item.type,
        "created_at": as_aware(item.created_at),
        "data": data,
        "text": item_text(item),
    }


def item_text(item: ThreadItem) -> str:
    """The words a user or assistant message says (what the admin searches); other items have none."""
    if isinstance(item, UserMessageItem | AssistantMessageItem):
        return "\n".join(part.text for part in item.content)
    return ""


def _data_of(model: type[Model], **filters: str) -> str | None:
    """The JSON text of the row matching `filters` (a unique key), or None: one SELECT the ORM does not
    compile (as `keyset_page`'s), and pydantic reads the text unparsed."""
    quote = connection.ops.quote_name
    where = " AND ".join(f"{quote(field_column(model, name)[0])} = %s" for name in filters)
    sql = f"SELECT {quote(field_column(model, 'data')[0])} FROM {quote(model._meta.db_table)} WHERE {where} LIMIT 1"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(filters.values()))
        found = cursor.fetchone()
    return None if found is None else cast(str, found[0])


@in_database_thread
def load_thread(thread_id: str, user_id: str) -> ThreadMetadata:
    data = _data_of(models.Thread, thread_id=thread_id, user_id=user_id)
    if data is None:
        raise NotFoundError(f"Thread {thread_id} not found")
    return _THREAD.validate_json(data)


@in_database_thread
def save_thread(thread: ThreadMetadata, user_id: str) -> None:
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
def load_threads(limit: int, after: str | None, order: Order, user_id: str) -> Page[ThreadMetadata]:
    return keyset_page(
        models.Thread, {"user_id": user_id}, "thread_id", after or None, limit, order, _THREAD.validate_json
    )


@in_database_thread
def delete_thread(thread_id: str, user_id: str) -> list[str]:
    """Delete the thread, its items and feedback (ON DELETE CASCADE, batched) and the records of the
    files attached in it; the ids of those attachments."""
    with transaction.atomic():
        attachments = models.Attachment.objects.filter(thread_id=thread_id, user_id=user_id)
        attachment_ids = list(attachments.values_list("attachment_id", flat=True))
        attachments.delete()
        models.Thread.objects.filter(thread_id=thread_id, user_id=user_id).delete()
    return attachment_ids


delete_files = sync_to_async(models.Attachment.delete_files, thread_sensitive=False)


@in_database_thread
def load_thread_items(thread_id: str, after: str | None, limit: int, order: Order, user_id: str) -> Page[ThreadItem]:
    filters = {"thread_id": thread_id, "user_id": user_id}
    return keyset_page(models.Item, filters, "item_id", after or None, limit, order, _item)


@in_database_thread
def upsert_item(thread_id: str, item: ThreadItem, user_id: str) -> None:
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
def load_item(thread_id: str, item_id: str, user_id: str) -> ThreadItem:
    data = _data_of(models.Item, thread_id=thread_id, item_id=item_id, user_id=user_id)
    if data is None:
        raise NotFoundError(f"Item {item_id} not found in thread {thread_id}")
    return _item(data)


@in_database_thread
def delete_item(thread_id: str, item_id: str, user_id: str) -> None:
    models.Item.objects.filter(thread_id=thread_id, item_id=item_id, user_id=user_id).delete()


@in_database_thread
def save_feedback(thread_id: str, item_ids: list[str], kind: FeedbackKind, user_id: str) -> None:
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


@in_database_thread
def save_attachment(attachment: Attachment, user_id: str) -> None:
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
def load_attachment(attachment_id: str, user_id: str) -> Attachment:
    data = (
        models.Attachment.objects.filter(attachment_id=attachment_id, user_id=user_id)
        .values_list("data", flat=True)
        .first()
    )
    if data is None:
        raise NotFoundError(f"Attachment {attachment_id} not found")
    return with_fresh_preview(_ATTACHMENT.validate_python(data))


@in_database_thread
def delete_attachment(attachment_id: str, user_id: str) -> None:
    models.Attachment.objects.filter(attachment_id=attachment_id, user_id=user_id).delete()


NUL, REPLACEMENT = "\x00", "\ufffd"


def without_nul(value: Any) -> Any:
    """`value` (JSON-like: strings, lists, dicts) with every NUL replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(item) for item in value]
    return value


def _prepared(model: type[Model], values: dict[str, Any]) -> tuple[list[str], list[Any]]:
    columns, params = [], []
    for name, value in values.items():
        column, field = field_column(model, name)
        columns.append(column)
        params.append(field.get_db_prep_save(value, connection))
    return columns, params


def upsert_owned(
    model: type[Model],
    values: dict[str, Any],
    *,
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    parent: tuple[type[Model], dict[str, Any]] | None = None,
    lapsed: tuple[str, str] | None = None,
) -> bool:
    """Insert `values`, or update `update` of the row clashing on `conflict` if it has the same `user_id`.

    With `parent=(Model, filters)` the row is only written while such a parent
    row exists (checked in the same statement). With `lapsed=(expiry, start)`
    the clashing row is only updated once its `expiry` is at or before the
    new row's `start` (a lease taken over). False when nothing was written:
    the row or the parent belongs to someone else, no parent, or not lapsed.
    """
    try:
        return _upsert_owned(model, values, conflict=conflict, update=update, parent=parent, lapsed=lapsed)
    except DataError:
        if connection.vendor != "postgresql" or (clean := without_nul(values)) == values:
            raise
    return _upsert_owned(model, clean, conflict=conflict, update=update, parent=parent, lapsed=lapsed)


def _upsert_owned(
    model: type[Model],
    values: dict[str, Any],
    *,
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    parent: tuple[type[Model], dict[str, Any]] | None,
    lapsed: tuple[str, str] | None,
) -> bool:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns, params = _prepared(model, values)
    column_of = {name: field_column(model, name)[0] for name in (*conflict, *update, "user_id")}
    placeholders = ", ".join(["%s"] * len(columns))
    if parent is None:
        source = f"VALUES ({placeholders})"
    else:
        parent_model, filters = parent
        parent_columns, parent_params = _prepared(parent_model, filters)
        condition = " AND ".join(f"{quote(column)} = %s" for column in parent_columns)
        source = (
            f"SELECT {placeholders} WHERE EXISTS (SELECT 1 FROM {quote(parent_model._meta.db_table)} WHERE {condition})"
        )
        params += parent_params
    assignments = ", ".join(f"{quote(column_of[name])} = excluded.{quote(column_of[name])}" for name in update)
    owner = quote(column_of["user_id"])
    condition = f"{table}.{owner} = excluded.{owner}"
    if lapsed is not None:
        expiry, start = (quote(field_column(model, name)[0]) for name in lapsed)
        condition += f" AND {table}.{expiry} <= excluded.{start}"
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) {source} "
        f"ON CONFLICT ({', '.join(quote(column_of[name]) for name in conflict)}) "
        f"DO UPDATE SET {assignments} WHERE {condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount > 0
