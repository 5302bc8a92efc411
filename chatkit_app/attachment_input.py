"""What the model reads of a message's attachments.

- A text file (plain text, Markdown, CSV, a calendar, JSON...) or a PDF: its
  text, up to `MAX_TEXT_CHARS` (a PDF's first `MAX_PDF_PAGES` pages, read by
  pypdf), framed so the model knows where it starts and ends. The offline
  planner reads it too, as context to the message (a booking confirmation's
  city and dates, say).
- An image, for OpenAI's own models (`providers.sees_images()`): the image
  itself. Other servers may not read images, and the offline planner cannot.
- Anything else, a file never uploaded, or a PDF without readable text (a
  scan, a damaged or password-protected file): a note with its name and type.
"""

from __future__ import annotations

import base64
import io
import logging
from functools import lru_cache

from asgiref.sync import sync_to_async
from chatkit.types import Attachment
from django.conf import settings
from django.core.files.storage import default_storage
from openai.types.responses import ResponseInputContentParam, ResponseInputImageParam, ResponseInputTextParam
from pypdf import PdfReader

from agents_app.providers import sees_images

from .attachments import storage_path

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 20_000
MAX_PDF_PAGES = 20
# What the model gets of an image at most; larger ones become a note.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
TEXT_TYPES = frozenset(
    {"application/json", "application/xml", "application/yaml", "application/x-yaml", "application/ld+json"}
)
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def _is_text(mime_type: str) -> bool:
    return mime_type.startswith("text/") or mime_type in TEXT_TYPES


@sync_to_async(thread_sensitive=False)
def _pdf_text_of(attachment_id: str) -> str | None:
    """The text of an uploaded PDF; None when it was never uploaded or has no text to give.

    Every turn of a thread converts its history again, so each version of a file is parsed once
    (keyed by its size too: an upload URL may be used again within its hour).
    """
    path = storage_path(attachment_id)
    if not default_storage.exists(path):
        return None
    return _parsed_pdf(attachment_id, default_storage.size(path))


@lru_cache(maxsize=64)
def _parsed_pdf(attachment_id: str, size: int) -> str | None:
    with default_storage.open(storage_path(attachment_id), "rb") as handle:
        data = handle.read(settings.MERAK_MAX_ATTACHMENT_BYTES)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        text = ""
        for page in reader.pages[:MAX_PDF_PAGES]:
            text += (page.extract_text() or "").strip() + "\n"
            if len(text) > MAX_TEXT_CHARS:
                break
    except Exception:  # a damaged or hostile file: pypdf raises many kinds of errors
        logger.info("an attached PDF could not be read", exc_info=True)
        return None
    return text.strip() or None


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


async def attachment_input(attachment: Attachment) -> ResponseInputContentParam:
    name, mime_type = attachment.name, attachment.mime_type
    note = _text(f"[The user attached a file: {name} ({mime_type})]")
    if _is_text(mime_type):
        # At most four bytes a character in UTF-8: enough to fill the limit, and to tell a longer text.
        data = await _read(attachment.id, 4 * MAX_TEXT_CHARS + 1)
        text = None if data is None else data.decode("utf-8-sig", errors="replace")
        return note if text is None else _framed(name, mime_type, text)
    if mime_type == "application/pdf":
        text = await _pdf_text_of(attachment.id)
        return note if text is None else _framed(name, mime_type, text)
    if mime_type in IMAGE_TYPES and sees_images():
        data = await _read(attachment.id, MAX_IMAGE_BYTES + 1)
        if data is None or len(data) > MAX_IMAGE_BYTES:
            return note
        url = f"data:{mime_type};base64,{base64.b64encode(data).decode('ascii')}"
        return ResponseInputImageParam(type="input_image", image_url=url, detail="auto")
    return note
