"""The admin: every page renders, threads read as conversations, nothing is editable, queries stay flat."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chatkit_app.models import Attachment, Feedback, Item, Thread
from chatkit_app.testing.factories import (
    AssistantMessageFactory,
    AttachmentFactory,
    ClientToolCallFactory,
    FeedbackFactory,
    ItemFactory,
    ThreadFactory,
    UserMessageFactory,
    WidgetItemFactory,
)

pytestmark = pytest.mark.django_db

MODELS = ["thread", "item", "feedback", "attachment"]


def changelist(model: str) -> str:
    return reverse(f"admin:chatkit_app_{model}_changelist")


def change(obj) -> str:
    return reverse(f"admin:chatkit_app_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def conversation() -> Thread:
    thread = ThreadFactory(title="Lisbon weekend")
    UserMessageFactory(thread=thread, text="Plan a weekend in Lisbon, please.")
    answer = AssistantMessageFactory(thread=thread, text="Day one: Alfama and the castle.")
    ClientToolCallFactory(thread=thread, name="get_weather", arguments={"city": "Lisbon"}, output={"temp_c": 21})
    WidgetItemFactory(thread=thread)
    FeedbackFactory(item=answer)
    AttachmentFactory(thread_id=thread.thread_id, name="itinerary.pdf", mime_type="application/pdf")
    return thread


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# --- every page renders ----------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders_for_superuser(admin_client, conversation, model):
    assert admin_client.get(changelist(model)).status_code == 200


@pytest.mark.parametrize("model", [Thread, Item, Feedback])
def test_change_page_renders_for_superuser(admin_client, conversation, model):
    for obj in model.objects.all():
        assert admin_client.get(change(obj)).status_code == 200


def test_attachment_change_page_shows_its_json(admin_client, conversation):
    response = admin_client.get(change(Attachment.objects.get()))
    assert response.status_code == 200
    assert "itinerary.pdf" in response.content.decode()


@pytest.mark.parametrize(
    "model, query",
    [
        ("thread", "status=active"),
        ("thread", "created_at__gte=2025-01-01+00:00:00%2B00:00"),
        ("item", "type=widget"),
        ("feedback", "kind=positive"),
        ("attachment", "type=file"),
    ],
)
def test_filters_render(admin_client, conversation, model, query):
    assert admin_client.get(f"{changelist(model)}?{query}").status_code == 200


def test_status_filter_narrows_threads(admin_client, conversation):
    ThreadFactory(status="closed", title="Closed trip")
    response = admin_client.get(changelist("thread") + "?status=closed")
    assert [t.title for t in response.context["cl"].result_list] == ["Closed trip"]


def test_item_type_filter_narrows_items(admin_client, conversation):
    response = admin_client.get(changelist("item") + "?type=widget")
    assert [i.type for i in response.context["cl"].result_list] == ["widget"]


def test_threads_are_found_by_id_title_and_user(admin_client, conversation):
    other = ThreadFactory(user_id="bob", title="Kyoto in spring")
    for term, expected in [(conversation.thread_id, conversation), ("kyoto", other), ("bob", other)]:
        response = admin_client.get(changelist("thread"), {"q": term})
        assert list(response.context["cl"].result_list) == [expected]


def test_items_are_found_by_item_id_and_thread_id(admin_client, conversation):
    ItemFactory()  # in another thread
    item = conversation.items.first()
    response = admin_client.get(changelist("item"), {"q": item.item_id})
    assert list(response.context["cl"].result_list) == [item]
    response = admin_client.get(changelist("item"), {"q": conversation.thread_id})
    assert len(response.context["cl"].result_list) == 4


# --- threads read as conversations -----------------------------------------------


def test_thread_page_shows_the_conversation_in_order(admin_client, conversation):
    page = admin_client.get(change(conversation)).content.decode()
    user = page.index("Plan a weekend in Lisbon, please.")
    assistant = page.index("Day one: Alfama and the castle.")
    tool = page.index('data-type="client_tool_call"')
    widget = page.index('data-type="widget"')
    assert user < assistant < tool < widget
    assert '<div class="ck-text">Lisbon, 3 days</div>' in page  # the card, drawn
    assert "&quot;temp_c&quot;: 21" in page


def test_threads_changelist_counts_items(admin_client, conversation):
    empty = ThreadFactory()
    response = admin_client.get(changelist("thread"))
    counts = {t.thread_id: t.item_count for t in response.context["cl"].result_list}
    assert counts == {conversation.thread_id: 4, empty.thread_id: 0}


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"])
def test_item_text_is_escaped(admin_client, text):
    thread = ThreadFactory(title=text)
    item = UserMessageFactory(thread=thread, text=text)
    for url in [change(thread), change(item), changelist("thread")]:
        page = admin_client.get(url).content.decode()
        assert text not in page
        assert "&lt;" in page


def test_long_thread_shows_a_link_to_all_its_items(admin_client, monkeypatch):
    monkeypatch.setattr("chatkit_app.console.transcript.TRANSCRIPT_LIMIT", 2)
    thread = ThreadFactory()
    ItemFactory.create_batch(3, thread=thread)
    page = admin_client.get(change(thread)).content.decode()
    assert "Showing the first 2 items." in page
    assert f"?q={thread.thread_id}" in page


# --- queries stay flat ----------------------------------------------------------


def test_threads_changelist_queries_do_not_grow_with_rows(admin_client):
    def add_threads(n):
        for thread in ThreadFactory.create_batch(n):
            UserMessageFactory(thread=thread)
            AssistantMessageFactory(thread=thread)

    add_threads(3)
    admin_client.get(changelist("thread"))  # warm up per-process caches
    few = queries_for(admin_client, changelist("thread"))
    add_threads(27)
    many = queries_for(admin_client, changelist("thread"))
    assert few == many
    assert len(admin_client.get(changelist("thread")).context["cl"].result_list) == 30


@pytest.mark.parametrize("model", ["item", "feedback"])
def test_other_changelists_queries_do_not_grow_with_rows(admin_client, model):
    admin_client.get(changelist(model))
    FeedbackFactory.create_batch(3)
    few = queries_for(admin_client, changelist(model))
    FeedbackFactory.create_batch(20)
    assert queries_for(admin_client, changelist(model)) == few


def test_thread_page_reads_items_in_one_query(admin_client):
    thread = ThreadFactory()
    UserMessageFactory.create_batch(2, thread=thread)
    admin_client.get(change(thread))
    few = queries_for(admin_client, change(thread))
    WidgetItemFactory.create_batch(20, thread=thread)
    assert queries_for(admin_client, change(thread)) == few


# --- access and read-only ---------------------------------------------------------


def test_non_staff_user_is_redirected_to_login(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("walker", password="x"))
    response = client.get(changelist("thread"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", MODELS)
def test_records_cannot_be_added(admin_client, model):
    assert admin_client.get(reverse(f"admin:chatkit_app_{model}_add")).status_code == 403


def test_records_cannot_be_changed(admin_client, conversation):
    item = conversation.items.first()
    before = item.data
    response = admin_client.post(change(item), {"type": "widget", "data": "{}"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.data == before


def test_superuser_deletes_a_thread_with_its_items_and_feedback(admin_client, conversation):
    url = reverse("admin:chatkit_app_thread_delete", args=[conversation.pk])
    page = admin_client.get(url).content.decode()
    assert "Items: 4" in page
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Thread.objects.exists()
    assert not Item.objects.exists()
    assert not Feedback.objects.exists()


def test_staff_may_view_but_not_delete(client, django_user_model, conversation):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(viewer)
    assert client.get(change(conversation)).status_code == 200
    url = reverse("admin:chatkit_app_thread_delete", args=[conversation.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Thread.objects.exists()
