"""Attachment files: two-phase upload to signed URLs, kept in Django's default storage.

`attachments.create` registers the metadata and answers a signed upload URL;
the browser POSTs the file there; images are previewed from a signed URL. The
signatures stand in for the caller's credentials, which an `<img>` tag or a
direct upload cannot carry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from chatkit.store import AttachmentStore
from chatkit.types import (
    Attachment,
    AttachmentCreateParams,
    AttachmentUploadDescriptor,
    FileAttachment,
    ImageAttachment,
)
from django.conf import settings
from django.core import signing
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from . import models
from .attachment_links import PREVIEW_URL_MAX_AGE, UPLOAD_URL_MAX_AGE, preview_url, unsign, upload_url
from .context import RequestContext
from .errors import ApiError, InvalidRequest, NotFound
from .store import DjangoStore, get_store

class AttachmentTooLarge(ApiError):
    status, code = 413, "attachment_too_large"


storage_path = models.Attachment.file_name


class DjangoAttachmentStore(AttachmentStore[Any]):
    """Registers attachments and deletes their files; metadata lives in `DjangoStore`."""

    def __init__(self, store: DjangoStore) -> None:
        self.store = store

    def generate_attachment_id(self, mime_type: str, context: Any) -> str:
        return self.store.generate_item_id("attachment", None, context)  # type: ignore[arg-type]

    async def create_attachment(self, input: AttachmentCreateParams, context: Any) -> Attachment:
        if input.size > settings.MERAK_MAX_ATTACHMENT_BYTES:
            raise AttachmentTooLarge(f"Attachments are limited to {settings.MERAK_MAX_ATTACHMENT_BYTES} bytes.")
        if input.size < 0 or not input.name.strip():
            raise InvalidRequest("An attachment needs a name and a size.")
        attachment_id = self.generate_attachment_id(input.mime_type, context)
        upload = AttachmentUploadDescriptor(url=upload_url(attachment_id), method="POST")
        common = {
            "id": attachment_id,
            "name": input.name[:512],
            "mime_type": input.mime_type[:255],
            "upload_descriptor": upload,
            "metadata": {"declared_size": input.size, "uploaded": False},
        }
        if input.mime_type.startswith("image/"):
            return ImageAttachment(preview_url=preview_url(attachment_id), **common)
        return FileAttachment(**common)

    async def delete_attachment(self, attachment_id: str, context: Any) -> None:
        await self.store.load_attachment(attachment_id, context)  # NotFoundError when not theirs
        await sync_to_async(default_storage.delete)(storage_path(attachment_id))


@sync_to_async
def save_upload(attachment_id: str, upload: File) -> int:
    """Store an uploaded file in place of any earlier one; its size in bytes."""
    path = storage_path(attachment_id)
    default_storage.delete(path)
    default_storage.save(path, upload)
    return upload.size


def purge_unsent(older_than: timedelta, *, now: datetime | None = None) -> int:
    """Delete attachments never sent in a message (registered, maybe uploaded, then dropped from the
    composer) and created over `older_than` ago, rows then files; how many."""
    cutoff = (now or timezone.now()) - older_than
    unsent = models.Attachment.objects.filter(thread_id="", created_at__lt=cutoff)
    with transaction.atomic():  # rows locked: none is sent between the two statements
        attachment_ids = list(unsent.select_for_update().values_list("attachment_id", flat=True))
        unsent.filter(attachment_id__in=attachment_ids).delete()
    models.Attachment.delete_files(attachment_ids)
    return len(attachment_ids)


async def _owner_context(attachment_id: str) -> RequestContext:
    user_id = await models.Attachment.objects.filter(pk=attachment_id).values_list("user_id", flat=True).afirst()
    if user_id is None:
        raise NotFound("Attachment not found.")
    return RequestContext(user_id=user_id)


def _attachment_id(token: str, purpose: str, max_age: int | None) -> str:
    try:
        return unsign(token, purpose, max_age)
    except signing.BadSignature:
        raise NotFound("Attachment not found (the link is invalid or has expired).") from None


async def receive_upload(token: str, request: HttpRequest) -> Attachment:
    """Store the file POSTed to a signed upload URL and mark the attachment uploaded."""
    attachment_id = _attachment_id(token, "upload", UPLOAD_URL_MAX_AGE)
    context = await _owner_context(attachment_id)
    # Parsing multipart reads the spooled body from disk: off the event loop.
    files = await sync_to_async(lambda: request.FILES)()
    upload = files.get("file") or next(iter(files.values()), None)
    if upload is None:
        raise InvalidRequest("Send the file as multipart/form-data in a field named `file`.")
    if upload.size > settings.MERAK_MAX_ATTACHMENT_BYTES:
        raise AttachmentTooLarge(f"Attachments are limited to {settings.MERAK_MAX_ATTACHMENT_BYTES} bytes.")
    store = get_store()
    attachment = await store.load_attachment(attachment_id, context)
    size = await save_upload(attachment_id, upload)
    attachment.upload_descriptor = None
    attachment.metadata = {**(attachment.metadata or {}), "uploaded": True, "size": size}
    await store.save_attachment(attachment, context)
    return attachment


async def open_file(token: str) -> tuple[str, str, Any]:
    """Name, MIME type and an open handle of an uploaded attachment named by a signed token."""
    attachment_id = _attachment_id(token, "file", PREVIEW_URL_MAX_AGE)
    context = await _owner_context(attachment_id)
    attachment = await get_store().load_attachment(attachment_id, context)
    path = storage_path(attachment_id)
    if not await sync_to_async(default_storage.exists)(path):
        raise NotFound("This attachment has not been uploaded yet.")
    handle = await sync_to_async(default_storage.open)(path, "rb")
    return attachment.name, attachment.mime_type, handle
