"""A thread exported from its admin page (Markdown, JSON), and its attachments served to the admin: view permission
required, downloads as attachments, content as the thread holds it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from chatkit_app.models import Attachment, Thread
from chatkit_app.testing.factories import (
    AssistantMessageFactory,
    AttachmentFactory,
    ClientToolCallFactory,
    FeedbackFactory,
    ItemFactory,
    ReplyFactory,
    ThreadFactory,
    UserMessageFactory,
    WidgetItemFactory,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def export_url(thread: Thread, kind: str) -> str:
    return reverse(f"admin:chatkit_app_thread_export_{kind}", args=[thread.pk])


@pytest.fixture
def lisbon() -> Thread:
    thread = ThreadFactory(title="Lisbon weekend", user_id="alice")
    UserMessageFactory(thread=thread, text="Plan a weekend in Lisbon.\n# not a heading")
    card = {"type": "Card", "children": [{"type": "Row", "children": [
        {"type": "Text", "value": "Day 1"}, {"type": "Caption", "value": "Sunrise 07:53 · Sunset 17:20"}]},
        {"type": "Button", "label": "Add a day"}]}  # fmt: skip
    WidgetItemFactory(thread=thread, widget=card)
    answer = AssistantMessageFactory(thread=thread, text="**Day 1:** Alfama and the castle.")
    ReplyFactory(thread=thread, item_id=answer.item_id, model="gpt-4.1-mini", cost=Decimal("0.00096"))
    FeedbackFactory(item=answer)
    call = ClientToolCallFactory(thread=thread, name="open_map", arguments={"place": "Lisbon"}, output={"opened": 1})
    ReplyFactory(thread=thread, item_id=call.item_id, model="merak-offline-planner", offline=True, cost=None)
    return thread


@pytest.fixture
def viewer(client, django_user_model):
    """A client signed in as staff with the view permissions only."""
    user = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(user)
    return client


# --- who may export -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["markdown", "json"])
def test_staff_with_the_view_permission_export_as_a_download(viewer, lisbon, kind):
    response = viewer.get(export_url(lisbon, kind))
    assert response.status_code == 200
    extension = {"markdown": "md", "json": "json"}[kind]
    assert response["Content-Disposition"] == f'attachment; filename="{lisbon.thread_id}.{extension}"'
    assert response["Content-Type"].endswith("; charset=utf-8")


@pytest.mark.parametrize("kind", ["markdown", "json"])
def test_anyone_else_is_sent_to_log_in_or_refused(client, django_user_model, lisbon, kind):
    url = export_url(lisbon, kind)
    assert client.get(url).url.startswith(reverse("admin:login"))
    client.force_login(django_user_model.objects.create_user("walker", password="x"))
    assert client.get(url).url.startswith(reverse("admin:login"))
    client.force_login(django_user_model.objects.create_user("clerk", password="x", is_staff=True))
    assert client.get(url).status_code == 403


def test_the_threads_page_links_its_exports(admin_client, lisbon):
    page = admin_client.get(reverse("admin:chatkit_app_thread_change", args=[lisbon.pk])).content.decode()
    assert f'href="{export_url(lisbon, "markdown")}"' in page and "Export Markdown" in page
    assert f'href="{export_url(lisbon, "json")}"' in page and "Export JSON" in page


# --- what they hold ---------------------------------------------------------------------------


def test_the_json_export_is_the_chatkit_items_plus_usage_and_feedback(admin_client, lisbon):
    exported = json.loads(admin_client.get(export_url(lisbon, "json")).content)
    items = list(lisbon.items.order_by("created_at", "seq"))
    assert exported["thread"] == lisbon.data
    assert exported["items"] == [item.data for item in items]
    answer, call = items[2], items[3]
    assert [(r["item_id"], r["model"], r["cost_usd"]) for r in exported["replies"]] == [
        (answer.item_id, "gpt-4.1-mini", "0.000960"),
        (call.item_id, "merak-offline-planner", None),
    ]
    first = exported["replies"][0]
    assert (first["input_tokens"], first["output_tokens"], first["outcome"]) == (1200, 300, "done")
    assert exported["feedback"] == [{"item_id": answer.item_id, "kind": "positive"}]


def test_the_markdown_export_reads_as_the_conversation(admin_client, lisbon):
    text = admin_client.get(export_url(lisbon, "markdown")).content.decode()
    assert text.startswith("# Lisbon weekend\n")
    assert "> Plan a weekend in Lisbon.\n> # not a heading" in text  # the user's words, quoted
    assert "```text\nDay 1 · Sunrise 07:53 · Sunset 17:20\n[Add a day]\n```" in text  # the card as text
    assert "**Day 1:** Alfama and the castle." in text
    assert "*Reply to a message: gpt-4.1-mini · tokens in 1,200 · cached 0 · out 300" in text
    assert "cost $0.00096*" in text and "Feedback: 👍" in text
    assert "## Client tool call `open_map` (completed)" in text and '"opened": 1' in text
    assert "merak-offline-planner (offline — words, not tokens)" in text and "no price for this model*" in text
    assert text.index("Plan a weekend") < text.index("Day 1 ·") < text.index("Alfama") < text.index("open_map")


def test_a_card_with_copy_text_exports_that_text(admin_client):
    thread = ThreadFactory()
    fields = {"type": "widget", "widget": {"type": "Card", "children": []}, "copy_text": "3 days: Lisbon"}
    ItemFactory(thread=thread, fields=fields)
    assert "```text\n3 days: Lisbon\n```" in admin_client.get(export_url(thread, "markdown")).content.decode()


# --- attachments, for the admin ------------------------------------------------------------------


@pytest.fixture
def uploaded(media_in_tmp):
    def upload(thread: Thread, attachment_id: str, name: str, content: bytes) -> Attachment:
        attachment = AttachmentFactory(attachment_id=attachment_id, thread_id=thread.thread_id, name=name)
        default_storage.save(Attachment.file_name(attachment_id), ContentFile(content))
        return attachment

    return upload


def attachment_url(thread: Thread, attachment_id: str) -> str:
    return reverse("admin:chatkit_app_thread_attachment", args=[thread.pk, attachment_id])


def test_a_raster_image_is_served_inline_to_a_viewer(viewer, uploaded):
    thread = ThreadFactory()
    uploaded(thread, "atc_photo", "tram.png", PNG)
    response = viewer.get(attachment_url(thread, "atc_photo"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == PNG


def test_an_svg_or_any_other_file_is_only_a_download(viewer, uploaded):
    thread = ThreadFactory()
    uploaded(thread, "atc_vector", "map.svg", SVG)
    response = viewer.get(attachment_url(thread, "atc_vector"))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="map.svg"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_attachment_of_another_thread_is_not_found(viewer, uploaded):
    thread, other = ThreadFactory(), ThreadFactory()
    uploaded(other, "atc_photo", "tram.png", PNG)
    assert viewer.get(attachment_url(thread, "atc_photo")).status_code == 404
    assert viewer.get(attachment_url(thread, "atc_missing")).status_code == 404


def test_attachments_are_for_staff_only(client, django_user_model, uploaded):
    thread = ThreadFactory()
    uploaded(thread, "atc_photo", "tram.png", PNG)
    client.force_login(django_user_model.objects.create_user("walker", password="x"))
    assert client.get(attachment_url(thread, "atc_photo")).url.startswith(reverse("admin:login"))
