"""Which files may be attached, and how they are served: nothing uploaded may run as a page.

Preview links are on the frontend's origin, so every rule here is about a
file someone else uploaded being opened there: only a raster image, known by
its bytes, is shown inline; the rest is a download that may not run anything.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from chatkit_app import models
from chatkit_app.attachments.links import preview_url
from chatkit_app.attachments.types import TYPES_BY_EXTENSION
from chatkit_app.testing.factories import AttachmentFactory
from chatkit_app.testing.files import GIF, JPEG_START, SVG_WITH_SCRIPT, WEBP_START, png
from chatkit_app.testing.protocol import local, stored_rows

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_in_tmp")]

SANDBOX = "default-src 'none'; sandbox"


async def register(chatkit, name: str, mime_type: str):
    params = {"name": name, "size": 10, "mime_type": mime_type}
    return await chatkit({"type": "attachments.create", "params": params})


def assert_locked_down(response) -> None:
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["X-Content-Type-Options"] == "nosniff"


def assert_download(response, body: bytes) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.getvalue() == body
    assert_locked_down(response)


def test_the_allow_list_is_what_the_composer_offers():
    composer = Path(settings.BASE_DIR, "frontend/lib/client/useChatKitClient.ts").read_text()
    offered = re.search(r"ATTACHMENT_TYPES[^{]*\{(.*?)\};", composer, re.DOTALL).group(1)
    by_extension = {
        extension: mime_type
        for mime_type, extensions in re.findall(r'"([^"]+)": \[([^\]]*)\]', offered)
        for extension in re.findall(r'"([^"]+)"', extensions)
    }

    assert by_extension == TYPES_BY_EXTENSION


@pytest.mark.parametrize(
    "name, declared, registered",
    [
        ("booking.pdf", "application/pdf", "application/pdf"),
        ("notes.txt", "text/plain", "text/plain"),
        ("plan.md", "text/markdown", "text/markdown"),
        ("plan.md", "text/x-markdown", "text/markdown"),  # Firefox, older systems
        ("plan.md", "", "text/markdown"),  # a system with no type for .md (Windows)
        ("trip.ics", "application/octet-stream", "text/calendar"),
        ("trip.csv", "text/csv", "text/csv"),
        ("trip.csv", "application/vnd.ms-excel", "text/csv"),  # Windows with Excel installed
        ("data.json", "application/json", "application/json"),
        ("scan.PDF", " Application/PDF ", "application/pdf"),
    ],
)
async def test_the_composers_file_types_are_registered_under_their_own_names_as_files(
    chatkit, name, declared, registered
):
    reply = await register(chatkit, name, declared)

    assert reply.status == 200, reply.body
    assert reply.json["type"] == "file" and reply.json["mime_type"] == registered
    assert "preview_url" not in reply.json
    assert (await models.Attachment.objects.aget(pk=reply.json["id"])).mime_type == registered


@pytest.mark.parametrize(
    "name, declared, registered",
    [
        ("dot.png", "image/png", "image/png"),
        ("photo.jpg", "image/jpeg", "image/jpeg"),
        ("photo.jpg", "image/jpg", "image/jpeg"),
        ("photo.jpeg", "", "image/jpeg"),
        ("anim.gif", "image/gif", "image/gif"),
        ("pic.webp", "image/webp", "image/webp"),
    ],
)
async def test_only_raster_images_are_registered_as_images_with_a_preview_link(chatkit, name, declared, registered):
    reply = await register(chatkit, name, declared)

    assert reply.status == 200, reply.body
    assert reply.json["type"] == "image" and reply.json["mime_type"] == registered
    assert "/chatkit/attachments/" in reply.json["preview_url"]


@pytest.mark.parametrize(
    "name, declared",
    [
        ("map.svg", "image/svg+xml"),
        ("page.html", "text/html"),
        ("page.png", "text/html"),
        ("scan.tiff", "image/tiff"),
        ("setup.exe", "application/x-msdownload"),
        ("notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("sheet.xls", "application/vnd.ms-excel"),
        ("setup.exe", ""),  # an unknown extension and no type: nothing says what it is
        ("archive.zip", "application/octet-stream"),
    ],
)
async def test_a_type_off_the_allow_list_is_refused_and_nothing_is_stored(chatkit, name, declared):
    before = await stored_rows()

    reply = await register(chatkit, name, declared)

    assert reply.status == 400
    assert reply.json["error"]["code"] == "invalid_request"
    assert "Merak takes PDFs, text files" in reply.json["error"]["message"]
    assert await stored_rows() == before


@pytest.mark.parametrize(
    "declared", ["image/png, text/html", "image/", "png", "image/png/x", "image/png; charset=x", "image/p ng", "*/*"]
)
async def test_a_malformed_mime_type_is_refused(chatkit, declared):
    reply = await register(chatkit, "dot.png", declared)

    assert reply.status == 400 and reply.json["error"]["code"] == "invalid_request"
    assert "is not a MIME type (type/subtype)" in reply.json["error"]["message"]
    assert not await models.Attachment.objects.aexists()


@pytest.mark.parametrize(
    "data, shown_as",
    [(png(), "image/png"), (GIF, "image/gif"), (JPEG_START, "image/jpeg"), (WEBP_START, "image/webp")],
    ids=["png", "gif", "jpeg", "webp"],
)
async def test_a_raster_image_is_served_inline_as_the_type_its_bytes_show(attach, async_client, data, shown_as):
    attachment = await attach("dot.png", "image/png", data)  # declared a PNG, whatever it is

    response = await async_client.get(local(attachment["preview_url"]))

    assert response.status_code == 200
    assert response["Content-Type"] == shown_as
    assert response["Content-Disposition"].startswith("inline;")
    assert response.getvalue() == data
    assert_locked_down(response)


@pytest.mark.parametrize(
    "data",
    [SVG_WITH_SCRIPT, b"<html><script>alert(1)</script></html>", b"\x89PN"],
    ids=["svg", "html", "truncated-png"],
)
async def test_an_upload_that_is_no_raster_image_is_served_as_a_download(attach, async_client, data):
    attachment = await attach("dot.png", "image/png", data)

    assert_download(await async_client.get(local(attachment["preview_url"])), data)


async def test_an_svg_registered_as_an_image_before_the_allow_list_is_a_download(async_client, media_in_tmp):
    row = await sync_to_async(AttachmentFactory)(type="image", name="map.svg", mime_type="image/svg+xml")
    (media_in_tmp / "attachments").mkdir()
    (media_in_tmp / "attachments" / row.attachment_id).write_bytes(SVG_WITH_SCRIPT)

    assert_download(await async_client.get(local(preview_url(row.attachment_id))), SVG_WITH_SCRIPT)


async def test_a_file_is_served_as_a_download_whatever_it_was_registered_as(attach, async_client):
    attachment = await attach("notes.txt", "text/plain", b"<script>alert(1)</script>")
    link = local(preview_url(attachment["id"]))  # files get no link; one signed for it all the same

    assert_download(await async_client.get(link), b"<script>alert(1)</script>")


async def test_a_head_request_gets_the_same_locked_down_headers(attach, async_client):
    attachment = await attach("dot.png", "image/png", SVG_WITH_SCRIPT)

    response = await async_client.head(local(attachment["preview_url"]))

    assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
    assert_locked_down(response)
