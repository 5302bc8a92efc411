"""The store's queries, one function per store method, each run on the database threads.

Rows are always filtered by their user: another user's row is exactly as
missing as one that never existed, and a write is one statement that only
lands on a row of its own user (`upsert_owned`). Each item and thread row
keeps the SDK object as JSON; the columns beside it are derived here, in one
place.
"""

from __future__ import annotations

from typing import Any

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
from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import TypeAdapter

from chatkit_app import models
from chatkit_app.attachments.links import with_fresh_preview, with_fresh_previews
from chatkit_app.models import as_aware
from chatkit_app.store.paging import Order, keyset_page
from chatkit_app.store.sql import data_of, upsert_owned
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


@in_database_thread
def load_thread(thread_id: str, user_id: str) -> ThreadMetadata:
    data = data_of(models.Thread, thread_id=thread_id, user_id=user_id)
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
    data = data_of(models.Item, thread_id=thread_id, item_id=item_id, user_id=user_id)
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
