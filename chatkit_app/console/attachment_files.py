"""An attachment's file, for a thread's page in the admin: image thumbnails and downloads.

The public preview links are signed for the user the attachment belongs to;
an operator is someone else, signed in to the admin, so the thread's page
serves its attachments on a route of its own (`ThreadAdmin.get_urls`, view
permission required). The rule is the public one (`attachments.files`): only
a PNG, JPEG, GIF or WebP, known by its own bytes, is served inline; anything
else (an SVG included) is a download, and no answer runs scripts or is sniffed.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from chatkit_app.attachments.files import FILE_HEADERS
from chatkit_app.attachments.types import raster_type
from chatkit_app.models import Attachment, Thread


def attachment_file(thread: Thread, attachment_id: str) -> FileResponse:
    """The uploaded file of an attachment sent in `thread`; 404 for any other."""
    attachment = Attachment.objects.filter(pk=attachment_id, thread_id=thread.thread_id).first()
    path = Attachment.file_name(attachment_id)
    if attachment is None or not default_storage.exists(path):
        raise Http404("No such attachment in this thread.")
    handle = default_storage.open(path, "rb")
    image_type = raster_type(handle.read(12))
    handle.seek(0)
    response = FileResponse(
        handle,
        content_type=image_type or "application/octet-stream",
        as_attachment=image_type is None,
        filename=attachment.name,
    )
    for header, value in FILE_HEADERS.items():
        response[header] = value
    response["Cache-Control"] = "private, max-age=3600"
    return response
