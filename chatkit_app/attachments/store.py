"""`DjangoAttachmentStore`: registers attachments (`attachments.create`) and deletes their files; their
metadata lives in the ChatKit store."""

from __future__ import annotations

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
from django.core.files.storage import default_storage

from chatkit_app.attachments.links import preview_url, upload_url
from chatkit_app.attachments.types import RASTER_TYPES, AttachmentTooLarge, accepted_type
from chatkit_app.models import Attachment as AttachmentRow
from chatkit_app.protocol.errors import InvalidRequest
from chatkit_app.store import DjangoStore


class DjangoAttachmentStore(AttachmentStore[Any]):
    """Registers attachments and deletes their files; metadata lives in `DjangoStore`."""

    def __init__(self, store: DjangoStore[Any]) -> None:
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
        # Validated from plain values, as the constructors would: the URLs are strings that pydantic
        # makes `AnyUrl`s, which the constructors' typed signatures do not let them pass as.
        upload = AttachmentUploadDescriptor.model_validate({"url": upload_url(attachment_id), "method": "POST"})
        common = {
            "id": attachment_id,
            "name": input.name[:512],
            "mime_type": mime_type,
            "upload_descriptor": upload,
            "metadata": {"declared_size": input.size, "uploaded": False},
        }
        if mime_type in RASTER_TYPES:
            return ImageAttachment.model_validate({"preview_url": preview_url(attachment_id), **common})
        return FileAttachment.model_validate(common)

    async def delete_attachment(self, attachment_id: str, context: Any) -> None:
        await self.store.load_attachment(attachment_id, context)  # NotFoundError when not theirs
        await sync_to_async(default_storage.delete)(AttachmentRow.file_name(attachment_id))
