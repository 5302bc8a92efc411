"""The admin's list of replies: what each used, cost and took; filters, search, read-only, queries flat."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chatkit_app.models import Reply
from chatkit_app.testing.factories import ReplyFactory, ThreadFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:chatkit_app_reply_changelist")


@pytest.fixture
def replies() -> list[Reply]:
    lisbon = ThreadFactory(user_id="alice", title="Lisbon weekend")
    return [
        ReplyFactory(
            thread=lisbon,
            input_tokens=12000,
            cached_tokens=8000,
            output_tokens=900,
            cost=Decimal("0.002640"),
            first_token_ms=640,
            total_ms=8123,
        ),
        ReplyFactory(thread=ThreadFactory(user_id="bob"), model="gpt-5", cost=None, outcome="failed"),
        ReplyFactory(
            thread=ThreadFactory(user_id="carol"),
            model="offline-planner",
            offline=True,
            input_tokens=40,
            output_tokens=60,
            first_token_ms=None,
        ),
    ]


def shown(client, **query) -> list[Reply]:
    response = client.get(URL, query)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_list_shows_each_replys_figures(admin_client, replies):
    page = admin_client.get(URL).content.decode()
    thread = replies[0].thread
    link = reverse("admin:chatkit_app_thread_change", args=[thread.pk])
    assert f'<a href="{link}" title="Lisbon weekend">Lisbon weekend</a>' in page
    assert '<span title="8,000 of them cached">12,000</span> / 900' in page
    assert "40 / 60<br>" in page and 'title="The offline planner counts words, not tokens">words<' in page
    assert "$0.00264" in page and "no price" in page
    assert "8,123" in page and "640" in page


def test_newest_replies_come_first(admin_client):
    old = ReplyFactory(started_at=datetime(2025, 1, 1, tzinfo=UTC))
    new = ReplyFactory(started_at=datetime(2025, 6, 1, tzinfo=UTC))
    assert shown(admin_client) == [new, old]


@pytest.mark.parametrize(
    "query, users",
    [
        ({"outcome__exact": "failed"}, ["bob"]),
        ({"model": "gpt-5"}, ["bob"]),
        ({"offline__exact": "1"}, ["carol"]),
        ({"q": "alice"}, ["alice"]),
        ({"q": "ali"}, []),  # ids are matched whole
    ],
)
def test_filters_and_search_narrow_the_list(admin_client, replies, query, users):
    assert [reply.user_id for reply in shown(admin_client, **query)] == users


def test_search_finds_a_threads_replies_by_its_id(admin_client, replies):
    assert shown(admin_client, q=replies[1].thread.thread_id) == [replies[1]]


def test_date_filter_narrows_by_start(admin_client):
    ReplyFactory(started_at=datetime(2025, 1, 1, tzinfo=UTC))
    march = ReplyFactory(started_at=datetime(2025, 3, 2, tzinfo=UTC))
    assert shown(
        admin_client, started_at__gte="2025-03-01 00:00:00+00:00", started_at__lt="2025-03-08 00:00:00+00:00"
    ) == [march]


def test_the_model_filter_offers_the_models_in_use(admin_client, replies):
    response = admin_client.get(URL)
    model_filter = next(f for f in response.context["cl"].filter_specs if f.title == "model")
    assert [name for name, _ in model_filter.lookup_choices] == ["gpt-4.1-mini", "gpt-5", "offline-planner"]


def test_the_list_links_to_the_usage_dashboard(admin_client):
    assert reverse("admin:chatkit_app_usage_changelist") in admin_client.get(URL).content.decode()


def test_a_reply_page_shows_it_and_nothing_is_editable(admin_client, replies):
    response = admin_client.get(reverse("admin:chatkit_app_reply_change", args=[replies[0].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lisbon weekend" in page and "$0.00264" in page
    assert 'name="_save"' not in page and "deletelink" not in page
    assert admin_client.get(reverse("admin:chatkit_app_reply_add")).status_code == 403
    assert admin_client.post(reverse("admin:chatkit_app_reply_delete", args=[replies[0].pk])).status_code == 403


def queries_for(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_replies_shown(admin_client, replies):
    few = queries_for(admin_client)
    for n in range(30):
        ReplyFactory(thread=ThreadFactory(user_id=f"user{n}"), model=f"model-{n % 4}", offline=n % 5 == 0)
    assert queries_for(admin_client) == few
