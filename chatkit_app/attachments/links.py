"""Signed attachment links: where a browser uploads a file, and where it sees an image's preview.

The signature stands in for the caller's credentials, which an `<img>` tag or
a direct upload cannot carry, so every link expires: an upload link an hour
after `attachments.create`, a preview link `PREVIEW_URL_MAX_AGE` after it was
handed out. Previews live on inside stored items, so the store re-signs them
as it reads items and attachments (`with_fresh_previews`): a thread opened
again gets links good for another week, and a link copied out of one stops
working a week later. Links that are not ours round-trip unchanged.
"""

from __future__ import annotations

from urllib.parse import unquote

from chatkit.types import Attachment, ImageAttachment, ThreadItem, UserMessageItem
from django.conf import settings
from django.core import signing
from django.urls import reverse
from pydantic import AnyUrl

_SIGNER_SALT = "merak.attachments"
UPLOAD_URL_MAX_AGE = 3600
PREVIEW_URL_MAX_AGE = 7 * 24 * 3600


def sign(attachment_id: str, purpose: str) -> str:
    return signing.TimestampSigner(salt=f"{_SIGNER_SALT}.{purpose}").sign(attachment_id)


def unsign(token: str, purpose: str, max_age: int | None) -> str:
    """The attachment id a signed token was made for; `signing.BadSignature` when forged or expired."""
    return signing.TimestampSigner(salt=f"{_SIGNER_SALT}.{purpose}").unsign(token, max_age=max_age)


def _absolute(view: str, token: str) -> str:
    return settings.MERAK_PUBLIC_URL.rstrip("/") + reverse(view, args=[token])


def upload_url(attachment_id: str) -> str:
    return _absolute("chatkit-attachment-upload", sign(attachment_id, "upload"))


def preview_url(attachment_id: str) -> str:
    return _absolute("chatkit-attachment-file", sign(attachment_id, "file"))


def _signed_here(attachment: ImageAttachment) -> bool:
    """Whether the preview link is one of ours, for this attachment (any other is left as it is)."""
    token = unquote(str(attachment.preview_url).rstrip("/").rsplit("/", 1)[-1])
    try:
        return unsign(token, "file", None) == attachment.id
    except signing.BadSignature:
        return False


def with_fresh_preview(attachment: Attachment) -> Attachment:
    """`attachment` with its preview link, if one of ours, signed anew (on today's `MERAK_PUBLIC_URL`)."""
    if isinstance(attachment, ImageAttachment) and _signed_here(attachment):
        attachment.preview_url = AnyUrl(preview_url(attachment.id))
    return attachment


def with_fresh_previews(item: ThreadItem) -> ThreadItem:
    if isinstance(item, UserMessageItem):
        for attachment in item.attachments:
            with_fresh_preview(attachment)
    return item
