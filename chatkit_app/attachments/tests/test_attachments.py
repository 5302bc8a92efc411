"""Attachments: registered through the protocol, uploaded to a signed URL, used in a message."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from chatkit_app import models
from chatkit_app.testing.files import png
from chatkit_app.testing.protocol import local, user_input

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_in_tmp")]


async def register(chatkit, name="plan.txt", mime="text/plain", size=11, user="alice"):
    return await chatkit(
        {"type": "attachments.create", "params": {"name": name, "size": size, "mime_type": mime}}, user=user
    )


@pytest.fixture
def uploaded(chatkit, async_client):
    """Register an attachment and upload a small text file for it; its id."""

    async def upload(user: str = "alice") -> str:
        attachment = (await register(chatkit, user=user)).json
        file = SimpleUploadedFile("plan.txt", b"hello")
        await async_client.post(local(attachment["upload_descriptor"]["url"]), {"file": file})
        return attachment["id"]

    return upload


async def test_create_registers_metadata_and_answers_a_signed_upload_url(chatkit):
    reply = await register(chatkit)

    assert reply.status == 200
    attachment = reply.json
    assert attachment["type"] == "file" and attachment["name"] == "plan.txt"
    assert attachment["upload_descriptor"]["method"] == "POST"
    assert "metadata" not in attachment  # integration-only, never sent to the client
    row = await models.Attachment.objects.aget(pk=attachment["id"])
    assert (row.user_id, row.mime_type) == ("alice", "text/plain")


async def test_image_gets_a_preview_url_that_serves_the_upload(chatkit, async_client):
    attachment = (await register(chatkit, name="map.png", mime="image/png", size=len(png()))).json
    upload_url = local(attachment["upload_descriptor"]["url"])

    uploaded = await async_client.post(upload_url, {"file": SimpleUploadedFile("map.png", png(), "image/png")})
    preview = await async_client.get(local(attachment["preview_url"]))

    assert uploaded.status_code == 200
    assert uploaded.json()["id"] == attachment["id"] and "metadata" not in uploaded.json()
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert preview.getvalue() == png()
    row = await models.Attachment.objects.aget(pk=attachment["id"])
    assert row.data["upload_descriptor"] is None and row.data["metadata"]["size"] == len(png())


async def test_a_forged_upload_url_is_404(async_client):
    response = await async_client.post("/chatkit/attachments/atc_x:forged:sig/upload", {"file": b"x"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response["Access-Control-Allow-Origin"] == "*"


async def test_signed_urls_work_from_any_origin(chatkit, async_client):
    attachment = (await register(chatkit, name="map.png", mime="image/png", size=4)).json
    upload_url = local(attachment["upload_descriptor"]["url"])

    preflight = await async_client.options(upload_url, headers={"Origin": "https://cdn.example"})
    uploaded = await async_client.post(upload_url, {"file": SimpleUploadedFile("map.png", b"\x89PNG", "image/png")})
    preview = await async_client.get(local(attachment["preview_url"]), headers={"Origin": "https://cdn.example"})

    assert preflight.status_code == 204 and "POST" in preflight["Access-Control-Allow-Methods"]
    assert uploaded.status_code == 200 and preview.status_code == 200
    assert {r["Access-Control-Allow-Origin"] for r in (preflight, uploaded, preview)} == {"*"}


async def test_oversized_attachment_is_refused(chatkit, settings):
    settings.MERAK_MAX_ATTACHMENT_BYTES = 10

    reply = await register(chatkit, size=11)

    assert reply.status == 413 and reply.json["error"]["code"] == "attachment_too_large"
    assert not await models.Attachment.objects.aexists()


async def test_message_with_attachment_links_it_to_the_thread(chatkit):
    attachment = (await register(chatkit)).json

    reply = await chatkit(
        {
            "type": "threads.create",
            "params": {
                "input": {
                    "content": [{"type": "input_text", "text": "Plan Lisbon"}],
                    "attachments": [attachment["id"]],
                    "inference_options": {},
                }
            },
        }
    )

    assert reply.status == 200
    thread_id = reply.of_type("thread.created")[0]["thread"]["id"]
    user_message = next(e["item"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == "user_message")
    assert user_message["attachments"][0]["id"] == attachment["id"]
    assert (await models.Attachment.objects.aget(pk=attachment["id"])).thread_id == thread_id


async def test_another_users_attachment_cannot_be_used_or_deleted(chatkit):
    attachment = (await register(chatkit, user="alice")).json

    used = await chatkit(
        {
            "type": "threads.create",
            "params": {
                "input": {
                    "content": [{"type": "input_text", "text": "hi"}],
                    "attachments": [attachment["id"]],
                    "inference_options": {},
                }
            },
        },
        user="bob",
    )
    deleted = await chatkit({"type": "attachments.delete", "params": {"attachment_id": attachment["id"]}}, user="bob")

    assert used.status == 404 and deleted.status == 404
    assert await models.Attachment.objects.filter(pk=attachment["id"]).aexists()
    assert not await models.Thread.objects.filter(user_id="bob").aexists()


async def test_delete_removes_metadata_and_file(chatkit, async_client, tmp_path):
    attachment = (await register(chatkit)).json
    await async_client.post(
        local(attachment["upload_descriptor"]["url"]), {"file": SimpleUploadedFile("plan.txt", b"hello world")}
    )
    assert (tmp_path / "attachments" / attachment["id"]).exists()

    reply = await chatkit({"type": "attachments.delete", "params": {"attachment_id": attachment["id"]}})

    assert reply.status == 200
    assert not await models.Attachment.objects.filter(pk=attachment["id"]).aexists()
    assert not (tmp_path / "attachments" / attachment["id"]).exists()


async def test_deleting_a_thread_deletes_the_files_attached_in_it(chatkit, uploaded, tmp_path):
    async def thread_with(attachment_id: str, user: str = "alice") -> str:
        request = {"type": "threads.create", "params": {"input": user_input("Plan Lisbon", [attachment_id])}}
        return (await chatkit(request, user=user)).of_type("thread.created")[0]["thread"]["id"]

    doomed, kept, unsent = await uploaded(), await uploaded(), await uploaded()
    thread_id = await thread_with(doomed)
    await thread_with(kept)

    reply = await chatkit({"type": "threads.delete", "params": {"thread_id": thread_id}})

    assert reply.status == 200
    remaining = {a async for a in models.Attachment.objects.values_list("attachment_id", flat=True)}
    assert remaining == {kept, unsent}
    assert sorted(p.name for p in (tmp_path / "attachments").iterdir()) == sorted([kept, unsent])


async def test_the_purge_deletes_attachments_never_sent_once_they_are_old(chatkit, uploaded, tmp_path):
    old_unsent, recent_unsent, old_sent = await uploaded(), await uploaded(), await uploaded()
    await chatkit({"type": "threads.create", "params": {"input": user_input("Plan Lisbon", [old_sent])}})
    day_ago = timezone.now() - timedelta(hours=25)
    await models.Attachment.objects.filter(pk__in=[old_unsent, old_sent]).aupdate(created_at=day_ago)

    await sync_to_async(call_command)("purge_attachments", stdout=(out := io.StringIO()))

    assert out.getvalue().strip() == "Deleted 1 attachment(s) never sent in a message."
    remaining = {a async for a in models.Attachment.objects.values_list("attachment_id", flat=True)}
    assert remaining == {recent_unsent, old_sent}
    assert sorted(p.name for p in (tmp_path / "attachments").iterdir()) == sorted([recent_unsent, old_sent])


async def test_a_preview_link_lapses_after_a_week_and_reading_the_thread_signs_a_fresh_one(
    chatkit, async_client, monkeypatch
):
    attachment = (await register(chatkit, name="map.png", mime="image/png", size=4)).json
    png = SimpleUploadedFile("map.png", b"\x89PNG", "image/png")
    await async_client.post(local(attachment["upload_descriptor"]["url"]), {"file": png})
    request = {"type": "threads.create", "params": {"input": user_input("Plan Lisbon", [attachment["id"]])}}
    created = await chatkit(request)
    thread_id = created.of_type("thread.created")[0]["thread"]["id"]
    sent = local(attachment["preview_url"])

    eight_days_later = time.time() + 8 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: eight_days_later)
    lapsed = await async_client.get(sent)
    items = await chatkit({"type": "items.list", "params": {"thread_id": thread_id, "order": "asc"}})
    message = next(item for item in items.json["data"] if item["type"] == "user_message")
    fresh = local(message["attachments"][0]["preview_url"])

    assert lapsed.status_code == 404 and lapsed.json()["error"]["code"] == "not_found"
    assert fresh != sent
    assert (await async_client.get(fresh)).getvalue() == b"\x89PNG"
