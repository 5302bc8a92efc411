"""What the model reads of a message's attachments.

- A text file (plain text, Markdown, CSV, a calendar, JSON...) or a PDF: its
  text, up to `MAX_TEXT_CHARS` (a PDF's first `MAX_PDF_PAGES` pages, read by
  pypdf), framed so the model knows where it starts and ends. The offline
  planner reads it too, as context to the message (a booking confirmation's
  city and dates, say).
- An image, for a model that reads images (`Responder.reads_images()`): the image
  itself, when its bytes are a PNG, JPEG, GIF or WebP. Other servers may not
  read images, and the offline planner cannot.
- Anything else, or a file never uploaded: a note with its name and type. A
  PDF without readable text (a scan, a damaged or password-protected file, or
  one that would take more than its CPU, memory or time budget to read: see
  `pdf_text`): a note saying so.
"""

from __future__ import annotations

import base64
from collections import OrderedDict

from asgiref.sync import sync_to_async
from chatkit.types import Attachment
from django.conf import settings
from django.core.files.storage import default_storage
from openai.types.responses import ResponseInputContentParam, ResponseInputImageParam, ResponseInputTextParam

from chatkit_app.attachments.files import storage_path
from chatkit_app.attachments.pdf_text import pdf_text
from chatkit_app.attachments.types import RASTER_TYPES, raster_type

MAX_TEXT_CHARS = 20_000
MAX_PDF_PAGES = 20
# What the model gets of an image at most; larger ones become a note.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
TEXT_TYPES = frozenset(
    {"application/json", "application/xml", "application/yaml", "application/x-yaml", "application/ld+json"}
)
IMAGE_TYPES = RASTER_TYPES


def _is_text(mime_type: str) -> bool:
    return mime_type.startswith("text/") or mime_type in TEXT_TYPES


@sync_to_async(thread_sensitive=False)
def _size(attachment_id: str) -> int | None:
    """The uploaded file's size; None when it was never uploaded."""
    path = storage_path(attachment_id)
    return default_storage.size(path) if default_storage.exists(path) else None


# Every turn of a thread converts its history again, so each version of a file is parsed once, or
# found unreadable once (keyed by its size too: an upload URL may be used again within its hour).
_parsed_pdfs: OrderedDict[tuple[str, int], str | None] = OrderedDict()
PARSED_PDFS_KEPT = 64


async def _pdf_text_of(attachment_id: str, size: int) -> str | None:
    """The text of an uploaded PDF of `size` bytes; None when it has no text to give (in the budget)."""
    version = (attachment_id, size)
    if version in _parsed_pdfs:
        _parsed_pdfs.move_to_end(version)
        return _parsed_pdfs[version]
    data = await _read(attachment_id, settings.MERAK_MAX_ATTACHMENT_BYTES)
    text = None if data is None else await pdf_text(data, max_pages=MAX_PDF_PAGES, max_chars=MAX_TEXT_CHARS)
    _parsed_pdfs[version] = text
    while len(_parsed_pdfs) > PARSED_PDFS_KEPT:
        _parsed_pdfs.popitem(last=False)
    return text


@sync_to_async(thread_sensitive=False)
def _read(attachment_id: str, limit: int) -> bytes | None:
    """Up to `limit` bytes of the uploaded file; None when it was never uploaded."""
    path = storage_path(attachment_id)
    if not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as handle:
        return handle.read(limit)


def _text(text: str) -> ResponseInputTextParam:
    return ResponseInputTextParam(type="input_text", text=text)


def _framed(name: str, mime_type: str, text: str) -> ResponseInputTextParam:
    body = text.replace("\x00", "")[:MAX_TEXT_CHARS]
    if len(text) > MAX_TEXT_CHARS:
        body += f"\n[The rest of {name} is left out: it is too long.]"
    return _text(f"[The user attached a file: {name} ({mime_type}). Its text follows.]\n{body}\n[End of {name}]")


async def attachment_input(attachment: Attachment, *, send_images: bool) -> ResponseInputContentParam:
    """What the model reads of `attachment`; an image as the image only with `send_images` (the model reads them)."""
    name, mime_type = attachment.name, attachment.mime_type
    note = _text(f"[The user attached a file: {name} ({mime_type})]")
    if _is_text(mime_type):
        # At most four bytes a character in UTF-8: enough to fill the limit, and to tell a longer text.
        data = await _read(attachment.id, 4 * MAX_TEXT_CHARS + 1)
        text = None if data is None else data.decode("utf-8-sig", errors="replace")
        return note if text is None else _framed(name, mime_type, text)
    if mime_type == "application/pdf":
        size = await _size(attachment.id)
        if size is None:
            return note
        text = await _pdf_text_of(attachment.id, size)
        if text is None:
            return _text(f"[The user attached a file: {name} ({mime_type}). Its text could not be read.]")
        return _framed(name, mime_type, text)
    if mime_type in IMAGE_TYPES and send_images:
        data = await _read(attachment.id, MAX_IMAGE_BYTES + 1)
        image_type = raster_type(data) if data is not None and len(data) <= MAX_IMAGE_BYTES else None
        if data is None or image_type is None:  # a file never uploaded, too large, or no image at all
            return note
        url = f"data:{image_type};base64,{base64.b64encode(data).decode('ascii')}"
        return ResponseInputImageParam(type="input_image", image_url=url, detail="auto")
    return note
