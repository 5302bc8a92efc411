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

import posixpath
import re
from dataclasses import dataclass
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

# What the composer offers (`ATTACHMENT_TYPES` in frontend/lib/client/useChatKitClient.ts), by extension.
TYPES_BY_EXTENSION = {
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".ics": "text/calendar",
    ".json": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
ALLOWED_TYPES = frozenset(TYPES_BY_EXTENSION.values())
# The ones registered as images, with a preview link (served as an image only if their bytes are one).
RASTER_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Other names browsers and systems give these same files.
ALIASES = {
    "text/x-markdown": "text/markdown",
    "text/x-csv": "text/csv",
    "application/csv": "text/csv",
    "application/x-pdf": "application/pdf",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
}
# What a browser reports for a file its system has no type for (Markdown or a calendar, on many
# systems): the name's extension then says which of ours it is.
UNKNOWN_TYPES = frozenset({"", "application/octet-stream"})
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")  # RFC 6838
ACCEPTED = "PDFs, text files (.txt, .md, .csv, .ics, .json) and PNG, JPEG, WebP or GIF images"

# On every file served: nothing in it runs, nor is it taken for another type, whatever it holds.
FILE_HEADERS = {"Content-Security-Policy": "default-src 'none'; sandbox", "X-Content-Type-Options": "nosniff"}


def accepted_type(declared: str, name: str) -> str:
    """The MIME type to register a file named `name` under, given the type the browser declared;
    `InvalidRequest` unless it is one of the composer's types (or another name for one)."""
    mime_type = declared.strip().lower()
    if mime_type not in UNKNOWN_TYPES and not _MIME_TYPE.fullmatch(mime_type):
        raise InvalidRequest(f"`{declared[:100]}` is not a MIME type (type/subtype). Merak takes {ACCEPTED}.")
    mime_type = ALIASES.get(mime_type, mime_type)
    by_name = TYPES_BY_EXTENSION.get(posixpath.splitext(name.strip().lower())[1])
    if mime_type in UNKNOWN_TYPES and by_name:
        return by_name
    # Where Excel is installed, browsers call any .csv file an Excel sheet.
    if mime_type == "application/vnd.ms-excel" and by_name == "text/csv":
        return by_name
    if mime_type not in ALLOWED_TYPES:
        what = f"a file of type {mime_type}" if mime_type else "a file of unknown type"
        raise InvalidRequest(f"`{name[:100]}` is {what}. Merak takes {ACCEPTED}.")
    return mime_type


def raster_type(head: bytes) -> str | None:
    """The MIME type of a PNG, JPEG, GIF or WebP image, told by its first 12 bytes; None for anything else."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    return None


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
        mime_type = accepted_type(input.mime_type, input.name)
        attachment_id = self.generate_attachment_id(mime_type, context)
        upload = AttachmentUploadDescriptor(url=upload_url(attachment_id), method="POST")
        common = {
            "id": attachment_id,
            "name": input.name[:512],
            "mime_type": mime_type,
            "upload_descriptor": upload,
            "metadata": {"declared_size": input.size, "uploaded": False},
        }
        if mime_type in RASTER_TYPES:
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
