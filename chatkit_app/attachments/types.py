"""What may be attached: the types the composer offers (by name, and the other names browsers give them),
the raster images told by their own bytes, and the size limit."""

from __future__ import annotations

import posixpath
import re

from chatkit_app.protocol.errors import ApiError, InvalidRequest


class AttachmentTooLarge(ApiError):
    status, code = 413, "attachment_too_large"


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
