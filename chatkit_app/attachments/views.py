"""The signed attachment URLs: the browser's upload of a file, and the file's bytes (previews, downloads)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse

from chatkit_app.attachments import files
from chatkit_app.protocol.errors import json_endpoint


@json_endpoint("POST", "PUT", any_origin=True)
async def attachment_upload(request: HttpRequest, token: str) -> HttpResponse:
    """The browser's upload of a file registered by `attachments.create` (signed URL)."""
    attachment = await files.receive_upload(token, request)
    # As `attachments.create` answers it: the metadata is the integration's, never the client's.
    body = attachment.model_dump_json(exclude_none=True, exclude={"metadata"})
    return HttpResponse(body, content_type="application/json")


@json_endpoint("GET", "HEAD", any_origin=True)
async def attachment_file(request: HttpRequest, token: str) -> FileResponse:
    """An attachment's bytes (signed URL): a raster image inline, for previews; anything else as a download."""
    stored = await files.open_file(token)
    response = FileResponse(
        stored.handle, content_type=stored.content_type, as_attachment=not stored.inline, filename=stored.name
    )
    for header, value in files.FILE_HEADERS.items():
        response[header] = value
    return response
