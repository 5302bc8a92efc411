"""The thread list: each thread's replies, tokens, cost, feedback and last outcome; its order; its filters."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.templatetags.admin_list import result_headers
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chatkit_app.console.threads import ThreadAdmin
from chatkit_app.models import Feedback, Reply, Thread
from chatkit_app.testing.factories import (
    AssistantMessageFactory,
    FeedbackFactory,
    ReplyFactory,
    ThreadFactory,
    UserMessageFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("admin:chatkit_app_thread_changelist")


def shown(client, query: str = "") -> list[Thread]:
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def titles(client, query: str = "") -> list[str]:
    return [thread.title for thread in shown(client, query)]


def row(client, thread: Thread) -> str:
    """The HTML of `thread`'s row in the list."""
    page = client.get(URL).content.decode()
    start = page.index(f'title="{thread.thread_id}"')
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def turn(thread: Thread, *, kind: str | None = None, **reply) -> Reply:
    """A user message, the answer, feedback of `kind` on it if given, and the reply's record."""
    UserMessageFactory(thread=thread)
    answer = AssistantMessageFactory(thread=thread)
    if kind:
        FeedbackFactory(item=answer, kind=kind)
    return ReplyFactory(thread=thread, item_id=answer.item_id, **reply)


# --- the columns -------------------------------------------------------------------


def test_a_row_shows_replies_tokens_cost_feedback_and_last_outcome(admin_client):
    thread = ThreadFactory(title="Lisbon weekend")
    turn(thread, kind="positive", input_tokens=1000, cached_tokens=400, output_tokens=200, cost=Decimal("0.0012"))
    turn(thread, kind="positive", input_tokens=2000, output_tokens=300, cost=Decimal("0.0030"))
    turn(thread, kind="negative", input_tokens=500, output_tokens=0, cost=Decimal("0.0002"), outcome="failed")

    [listed] = shown(admin_client)
    assert (listed.reply_count, listed.input_tokens, listed.cached_tokens, listed.output_tokens) == (3, 3500, 400, 500)
    assert (listed.thumbs_up, listed.thumbs_down, listed.last_outcome) == (2, 1, "failed")
    html = row(admin_client, thread)
    assert ">Lisbon weekend</a>" in html and thread.thread_id in html
    assert ">4,000</span>" in html and "3,500 input (400 cached), 500 output" in html
    assert "$0.0044" in html and "≥" not in html
    assert "👍 2" in html and "👎 1" in html
    assert 'class="outcome failed">failed<' in html


def test_cost_is_blank_when_no_reply_has_a_price(admin_client):
    thread = ThreadFactory()
    turn(thread, model="llama-local", cost=None)
    turn(thread, model="merak-offline-planner", offline=True, cost=None)
    assert shown(admin_client)[0].priced_cost is None
    assert '<td class="field-cost">-</td>' in row(admin_client, thread)


def test_cost_of_partly_priced_replies_is_their_sum_marked_partial(admin_client):
    thread = ThreadFactory()
    turn(thread, cost=Decimal("0.0100"))
    turn(thread, model="llama-local", cost=None)
    html = row(admin_client, thread)
    assert 'class="partial"' in html and "≥ $0.0100" in html
    assert "1 of 2 replies have no price" in html


def test_a_thread_without_replies_shows_none_of_their_figures(admin_client):
    thread = ThreadFactory()
    UserMessageFactory(thread=thread)
    html = row(admin_client, thread)
    assert '<td class="field-replies">0</td>' in html
    for column in ("tokens", "cost", "feedback", "outcome"):
        assert f'<td class="field-{column}">-</td>' in html


def test_last_outcome_is_the_latest_replys(admin_client):
    thread = ThreadFactory()
    now = timezone.now()
    ReplyFactory(thread=thread, outcome="stopped", started_at=now)
    ReplyFactory(thread=thread, outcome="failed", started_at=now - timedelta(hours=1))
    assert shown(admin_client)[0].last_outcome == "stopped"
    assert 'class="outcome cut">stopped<' in row(admin_client, thread)


def test_the_list_has_these_columns_and_sorts_by_the_cheap_ones(admin_client):
    ThreadFactory()
    headers = list(result_headers(admin_client.get(URL).context["cl"]))[1:]  # after the checkbox
    assert [h["text"] for h in headers] == [
        "thread", "user", "last activity", "replies", "tokens", "cost", "feedback", "last outcome",
    ]  # fmt: skip
    assert [h["text"] for h in headers if h["sortable"]] == ["thread", "user", "last activity"]


# --- the order ---------------------------------------------------------------------


def test_threads_are_listed_by_last_activity_and_a_new_item_moves_its_thread_first(admin_client):
    old, recent = ThreadFactory(title="old"), ThreadFactory(title="recent")
    Thread.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    Thread.objects.filter(pk=recent.pk).update(updated_at=timezone.now() - timedelta(days=1))
    assert titles(admin_client) == ["recent", "old"]
    UserMessageFactory(thread=old)  # the activity trigger stamps its thread
    assert titles(admin_client) == ["old", "recent"]


# --- the filters -------------------------------------------------------------------


@pytest.fixture
def varied() -> dict[str, Thread]:
    """Threads that differ in feedback, outcome, model and age."""
    threads = {name: ThreadFactory(title=name) for name in ("liked", "disliked", "silent", "failed", "stopped")}
    turn(threads["liked"], kind="positive")
    turn(threads["disliked"], kind="negative", model="gpt-4.1")
    turn(threads["silent"], model="llama-local", cost=None)
    turn(threads["failed"], outcome="failed")
    turn(threads["failed"])  # failed, then done
    turn(threads["stopped"], outcome="stopped")
    return threads


@pytest.mark.parametrize(
    "query, expected",
    [
        ("feedback=negative", {"disliked"}),
        ("feedback=positive", {"liked"}),
        ("feedback=none", {"silent", "failed", "stopped"}),
        ("outcome=failed", {"failed"}),
        ("outcome=cancelled", {"stopped"}),
        ("outcome=last-failed", set()),
        ("outcome=last-cancelled", {"stopped"}),
        ("model=gpt-4.1", {"disliked"}),
        ("model=llama-local", {"silent"}),
    ],
)
def test_each_filter_narrows_the_list(admin_client, varied, query, expected):
    assert set(titles(admin_client, query)) == expected


def test_model_filter_offers_priced_configured_and_seen_models(admin_client, varied, settings):
    settings.MERAK_MODEL_PRICES = {"gpt-5-priced": {"input": 1, "output": 2}}
    response = admin_client.get(URL)
    [model_filter] = [spec for spec in response.context["cl"].filter_specs if spec.title == "model"]
    offered = {value for value, _ in model_filter.lookup_choices}
    assert {"gpt-5-priced", "gpt-4.1", "gpt-4.1-mini", "llama-local", "merak-offline-planner"} <= offered


def _days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def _last_week() -> str:
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    since, until = today - timedelta(days=7), today + timedelta(days=1)
    return f"updated_at__gte={since:%Y-%m-%d %H:%M:%S%z}&updated_at__lt={until:%Y-%m-%d %H:%M:%S%z}".replace("+", "%2B")


def test_thumbs_down_last_week_means_pressed_last_week(admin_client):
    """The operator's question: 👎 + "Past 7 days" is feedback given in those days, not any 👎 on an active thread."""
    pressed_lately = ThreadFactory(title="pressed lately, quiet since")
    turn(pressed_lately, kind="negative")
    Thread.objects.filter(pk=pressed_lately.pk).update(updated_at=_days_ago(20))
    pressed_long_ago = ThreadFactory(title="pressed long ago, active lately")
    turn(pressed_long_ago, kind="negative")
    Feedback.objects.filter(item__thread=pressed_long_ago).update(created_at=_days_ago(30))
    liked_lately = ThreadFactory(title="liked lately")
    turn(liked_lately, kind="positive")

    assert titles(admin_client, f"feedback=negative&{_last_week()}") == ["pressed lately, quiet since"]
    # Without a feedback kind, the date is the last activity.
    assert set(titles(admin_client, _last_week())) == {"pressed long ago, active lately", "liked lately"}


def test_the_date_filter_says_which_date_it_filters(admin_client):
    page = admin_client.get(URL).content.decode()
    assert "By date: of the 👍/👎 if chosen, else last activity" in page
    assert "Past 7 days" in page


# --- queries -----------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "feedback=negative", "outcome=last-failed", "q=weekend"])
def test_queries_do_not_grow_with_the_threads_shown(admin_client, query):
    def add_threads(n: int) -> None:
        for thread in ThreadFactory.create_batch(n, title="A weekend"):
            turn(thread, kind="negative", outcome="failed")
            turn(thread, model="llama-local", cost=None, outcome="failed")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(f"{URL}?{query}")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add_threads(3)
    admin_client.get(f"{URL}?{query}")  # warm up per-process caches
    few = count()
    add_threads(27)
    assert count() == few
    assert len(shown(admin_client, query)) == 30


@pytest.mark.parametrize(
    "query",
    [
        "",
        "p=1",
        "updated_at__gte=2020-01-01%2000:00:00%2B00:00",
        "feedback=negative&updated_at__gte=2020-01-01%2000:00:00%2B00:00",
        "q=weekend",
    ],
)
def test_only_the_pages_threads_are_read_with_their_figures(admin_client, monkeypatch, query):
    """Whatever the filters and the page, the figures are summed for that page's threads, never for all or more."""
    monkeypatch.setattr(ThreadAdmin, "list_per_page", 2)
    for thread in ThreadFactory.create_batch(5, title="A weekend"):
        turn(thread, kind="negative")
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client.get(f"{URL}?{query}")
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 2
    with_figures = [q["sql"] for q in ctx.captured_queries if '"thumbs_down"' in q["sql"]]
    assert len(with_figures) == 1
    assert re.search(r'"seq" IN \(\d+, \d+\)', with_figures[0]), with_figures[0]  # the page's two threads
