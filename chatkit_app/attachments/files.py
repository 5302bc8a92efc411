"""Attachment files: two-phase upload to signed URLs, kept in Django's default storage.

`attachments.create` registers the metadata of a file of a type on the
allow-list and answers a signed upload URL; the browser POSTs the file there;
images are previewed from a signed URL. The signatures stand in for the
caller's credentials, which an `<img>` tag or a direct upload cannot carry.

Preview links are served from `MERAK_PUBLIC_URL`, the frontend's own origin,
so a file must never be taken for a page there: only a PNG, JPEG, GIF or WebP,
known by its own bytes, is served inline (as what its bytes are); anything
else is a download, and every file answer forbids scripts and sniffing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from asgiref.sync import sync_to_async
from chatkit.types import (
    Attachment,
)
from django.conf import settings
from django.core import signing
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from chatkit_app import models
from chatkit_app.attachments.links import PREVIEW_URL_MAX_AGE, UPLOAD_URL_MAX_AGE, unsign
from chatkit_app.attachments.types import AttachmentTooLarge, raster_type
from chatkit_app.identity.auth import RequestContext
from chatkit_app.protocol.errors import InvalidRequest, NotFound
from chatkit_app.store import get_store

storage_path = models.Attachment.file_name


# On every file served: nothing in it runs, nor is it taken for another type, whatever it holds.
FILE_HEADERS = {"Content-Security-Policy": "default-src 'none'; sandbox", "X-Content-Type-Options": "nosniff"}


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
    # A cast: `MultiValueDict.values()` allows an empty list for a key with no values, which
    # `request.FILES` never holds (a key is there only with a file).
    upload = cast("UploadedFile | None", files.get("file") or next(iter(files.values()), None))
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


@dataclass(frozen=True)
class StoredFile:
    """An uploaded file as it is served: a raster image inline, as what its bytes are; else a download."""

    name: str
    content_type: str
    inline: bool
    handle: File


@sync_to_async
def _open_stored(attachment_id: str) -> tuple[File, str | None]:
    path = storage_path(attachment_id)
    if not default_storage.exists(path):
        raise NotFound("This attachment has not been uploaded yet.")
    handle = default_storage.open(path, "rb")
    head = handle.read(12)
    handle.seek(0)
    return handle, raster_type(head)


async def open_file(token: str) -> StoredFile:
    """The uploaded attachment a signed token names, as it is to be served."""
    attachment_id = _attachment_id(token, "file", PREVIEW_URL_MAX_AGE)
    context = await _owner_context(attachment_id)
    attachment = await get_store().load_attachment(attachment_id, context)
    handle, image_type = await _open_stored(attachment_id)
    if image_type is None:
        return StoredFile(attachment.name, "application/octet-stream", inline=False, handle=handle)
    return StoredFile(attachment.name, image_type, inline=True, handle=handle)
