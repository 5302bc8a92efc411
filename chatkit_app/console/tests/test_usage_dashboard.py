"""The usage dashboard: its figures match the replies and feedback of the period, periods, permissions, charts."""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chatkit_app.console.usage import Period, figures
from chatkit_app.models import Feedback, Reply
from chatkit_app.testing.factories import FeedbackFactory, ReplyFactory, ThreadFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:chatkit_app_usage_changelist")
WEEK = Period(date(2025, 3, 1), date(2025, 3, 7))
OUT = Reply.Outcome


def at(day: int, hour: int = 12, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def reply(user: str, day: datetime, **fields) -> Reply:
    return ReplyFactory(thread=ThreadFactory(user_id=user, title=f"{user}'s trip"), started_at=day, **fields)


def feedback(kind: str, when: datetime) -> None:
    row = FeedbackFactory(kind=kind)
    Feedback.objects.filter(pk=row.pk).update(created_at=when)  # created_at is stamped on insert


@pytest.fixture
def week() -> None:
    """A week of replies: two heavy users, an unpriced model, an offline reply, runs that did not finish."""
    reply("alice", at(1, 9), input_tokens=1000, cached_tokens=200, output_tokens=100, cost=Decimal("0.001"))
    reply("alice", at(1, 23), input_tokens=1000, cached_tokens=200, output_tokens=100, cost=Decimal("0.002"))
    reply("bob", at(3), model="gpt-5", input_tokens=2000, output_tokens=5000, cost=None)
    reply("carol", at(3), model="offline-planner", offline=True, input_tokens=40, output_tokens=60, cost=None)
    reply(
        "dave",
        at(4),
        outcome=OUT.FAILED,
        error_code="rate_limited",
        input_tokens=10,
        output_tokens=0,
        cost=Decimal("0.5"),
    )
    reply("dave", at(4, 13), outcome=OUT.CANCELLED, input_tokens=10, output_tokens=5, cost=Decimal("0.25"))
    reply("dave", at(5), outcome=OUT.EXPIRED, input_tokens=10, output_tokens=5, cost=Decimal("0.25"))
    # Just outside the week, on either side.
    reply("erin", datetime(2025, 2, 28, 23, 59, 59, tzinfo=UTC), cost=Decimal(7))
    reply("erin", datetime(2025, 3, 8, 0, 0, tzinfo=UTC), cost=Decimal(7))
    for kind, when in [("positive", at(1)), ("positive", at(2)), ("positive", at(7)), ("negative", at(6))]:
        feedback(kind, when)
    feedback("negative", at(8))


# --- the figures -------------------------------------------------------------------


def test_every_day_of_the_period_is_shown_days_without_replies_as_zero(week):
    days = figures(WEEK).days
    assert [d.day for d in days] == WEEK.days
    assert [d.replies for d in days] == [2, 0, 2, 2, 1, 0, 0]
    assert (days[0].input_tokens, days[0].cached_tokens, days[0].output_tokens) == (2000, 400, 200)
    assert days[0].cost == Decimal("0.003")


def test_offline_words_stay_out_of_the_token_totals(week):
    march_3 = figures(WEEK).days[2]
    assert (march_3.replies, march_3.input_tokens, march_3.output_tokens) == (2, 2000, 5000)


def test_cost_adds_up_priced_replies_and_counts_the_unpriced(week):
    totals = figures(WEEK).totals
    assert totals.cost == Decimal("1.003")
    assert totals.unpriced == 2  # bob's gpt-5 and the offline reply
    assert totals.replies == 7


def test_top_users_come_heaviest_first_with_their_totals(week):
    users = figures(WEEK).users
    assert [u.user_id for u in users] == ["bob", "alice", "dave", "carol"]
    bob, alice, dave, carol = users
    assert (bob.replies, bob.tokens, bob.cost, bob.unpriced) == (1, 7000, 0, 1)
    assert (alice.replies, alice.tokens, alice.cost) == (2, 2200, Decimal("0.003"))
    assert (dave.replies, dave.cost) == (3, Decimal("1.0"))
    assert (carol.tokens, carol.unpriced) == (0, 1)


def test_replies_are_counted_per_model_the_offline_one_marked(week):
    models = {(m.model, m.offline): m for m in figures(WEEK).models}
    assert {key: m.replies for key, m in models.items()} == {
        ("gpt-4.1-mini", False): 5,
        ("gpt-5", False): 1,
        ("offline-planner", True): 1,
    }
    assert models["gpt-5", False].unpriced == 1


def test_feedback_of_the_period_by_when_it_was_given(week):
    shown = figures(WEEK).feedback
    assert (shown.positive, shown.negative, shown.positive_share) == (3, 1, 0.75)


def test_outcomes_are_counted_and_the_latest_unfinished_runs_listed(week):
    shown = figures(WEEK)
    assert shown.outcomes == {"done": 4, "cancelled": 1, "stopped": 0, "shutdown": 0, "expired": 1, "failed": 1}
    assert shown.unfinished_count == 3
    assert [(r.outcome, r.error_code, r.user_id) for r in shown.unfinished] == [
        ("expired", "", "dave"),
        ("cancelled", "", "dave"),
        ("failed", "rate_limited", "dave"),
    ]


def test_a_period_without_replies_is_all_zeros():
    shown = figures(WEEK)
    assert [d.replies for d in shown.days] == [0] * 7
    assert shown.users == [] and shown.models == [] and shown.feedback.positive_share is None


# --- the page ----------------------------------------------------------------------


def get(client, **query):
    response = client.get(URL, query)
    assert response.status_code == 200
    return response


def test_the_page_shows_the_weeks_figures(admin_client, week):
    response = get(admin_client, start="2025-03-01", end="2025-03-07")
    page = response.content.decode()
    assert response.context["figures"].period == WEEK
    assert "1 Mar 2025 – 7 Mar 2025" in page
    assert "$1.00" in page and "2 unpriced replies not included" in page
    assert "75% 👍" in page
    assert "offline: words, not tokens" in page
    assert "rate_limited" in page


def test_the_default_period_is_the_last_30_days(admin_client):
    today = timezone.localdate()
    response = get(admin_client)
    assert response.context["figures"].period == Period(today - timedelta(days=29), today)
    assert re.search(r'aria-current="page">Last 30 days', response.content.decode())


@pytest.mark.parametrize("days", [7, 30, 90])
def test_a_preset_shows_its_last_days(admin_client, days):
    ReplyFactory(started_at=timezone.now() - timedelta(days=days - 1))
    ReplyFactory(started_at=timezone.now() - timedelta(days=days))
    shown = get(admin_client, days=days).context["figures"]
    assert len(shown.days) == days and shown.period.end == timezone.localdate()
    assert shown.totals.replies == 1


def test_a_custom_period_without_its_end_runs_to_today(admin_client):
    start = timezone.localdate() - timedelta(days=3)
    assert get(admin_client, start=start.isoformat()).context["figures"].period == Period(start, timezone.localdate())


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start": "2025-13-40"}, "From: Enter a valid date."),
        ({"start": "2025-03-07", "end": "2025-03-01"}, "The period starts after it ends."),
        ({"end": "2025-03-01"}, "Give the first day of the period too."),
        ({"start": "2020-01-01", "end": "2025-01-01"}, "A period of at most 366 days, please."),
        ({"days": "5"}, "Select a valid choice."),
    ],
)
def test_a_bad_period_is_explained_and_the_last_30_days_shown(admin_client, query, message):
    response = get(admin_client, **query)
    page = response.content.decode()
    assert message in page and "Showing the last 30 days instead." in page
    assert len(response.context["figures"].days) == 30


def test_top_users_link_to_their_threads(admin_client, week):
    ThreadFactory(user_id="bobby", title="Someone else")
    page = get(admin_client, start="2025-03-01", end="2025-03-07").content.decode()
    link = reverse("admin:chatkit_app_thread_changelist") + "?user_id=bob"
    assert f'href="{link}"' in page
    threads = admin_client.get(link).context["cl"].result_list
    assert [t.user_id for t in threads] == ["bob"]


def test_the_latest_unfinished_runs_link_to_their_threads(admin_client, week):
    page = get(admin_client, start="2025-03-01", end="2025-03-07").content.decode()
    failed = Reply.objects.get(outcome=OUT.FAILED)
    assert reverse("admin:chatkit_app_thread_change", args=[failed.thread.pk]) in page


def test_outcome_counts_link_to_those_replies_of_the_period(admin_client, week):
    response = get(admin_client, start="2025-03-01", end="2025-03-07")
    failed = next(url for outcome, _, url in response.context["outcomes"] if outcome == "failed")
    replies = admin_client.get(failed).context["cl"].result_list
    assert [(r.user_id, r.outcome) for r in replies] == [("dave", "failed")]
    done = next(url for outcome, _, url in response.context["outcomes"] if outcome == "done")
    assert len(admin_client.get(done).context["cl"].result_list) == 4  # not erin's, outside the week


def test_the_periods_thumbs_down_are_one_click_away(admin_client, week):
    url = get(admin_client, start="2025-03-01", end="2025-03-07").context["negative_feedback_url"]
    feedback = admin_client.get(url).context["cl"].result_list
    assert [(f.kind, f.created_at) for f in feedback] == [("negative", at(6))]


def test_user_ids_are_escaped(admin_client):
    ReplyFactory(thread=ThreadFactory(user_id="<script>alert(1)</script>"), started_at=timezone.now())
    page = get(admin_client).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


# --- where it is, who sees it ------------------------------------------------------


def test_the_admin_index_and_the_reply_list_link_to_it(admin_client):
    assert f'href="{URL}"' in admin_client.get(reverse("admin:index")).content.decode()
    assert f'href="{URL}"' in admin_client.get(reverse("admin:chatkit_app_reply_changelist")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_staff_who_may_not_view_replies_are_refused(client, django_user_model):
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    assert f'href="{URL}"' not in client.get(reverse("admin:index")).content.decode()


def test_staff_who_may_view_replies_see_it(client, django_user_model):
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_reply"))
    client.force_login(staff)
    assert client.get(URL).status_code == 200
    assert f'href="{URL}"' in client.get(reverse("admin:index")).content.decode()


def test_it_has_no_pages_for_single_rows(admin_client):
    reply = ReplyFactory()
    assert admin_client.get(f"{URL}{reply.pk}/change/").status_code == 404


# --- the charts --------------------------------------------------------------------


def svg_of(data_uri: str) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert data_uri.startswith(prefix)
    return base64.b64decode(data_uri.removeprefix(prefix)).decode()


@pytest.mark.parametrize("chart", ["tokens_chart", "cost_chart"])
def test_charts_run_nothing_and_fetch_nothing(admin_client, week, chart):
    svg = svg_of(get(admin_client, start="2025-03-01", end="2025-03-07").context[chart])
    assert "<script" not in svg.lower()
    root = ElementTree.fromstring(svg)  # well-formed
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.endswith("href"), (element.tag, name, value)
            assert "url(" not in value and "://" not in value, (element.tag, name, value)
    assert "@import" not in svg and "url(" not in svg
    # The only address left is SVG's own namespace, which names and fetches nothing.
    assert set(re.findall(r"[a-z]+://[^\s\"'<>)]+", svg)) == {"http://www.w3.org/2000/svg"}


def test_the_chart_axis_is_in_dates_zero_days_included(admin_client, week):
    svg = svg_of(get(admin_client, start="2025-03-01", end="2025-03-07").context["tokens_chart"])
    labels = [f"{n} Mar" for n in range(1, 8)]
    assert all(f">{label}<" in svg for label in labels)


def test_charts_are_images_with_alt_text_and_a_table_of_the_same_figures(admin_client, week):
    page = get(admin_client, start="2025-03-01", end="2025-03-07").content.decode()
    assert page.count('<img class="chart" src="data:image/svg+xml;base64,') == 2
    assert 'alt="Bar chart of tokens per day' in page and 'alt="Bar chart of cost per day' in page
    assert "<summary>Figures per day</summary>" in page
    assert "Sun 2 Mar 2025" in page  # a day without replies, in the table too


# --- queries -----------------------------------------------------------------------


def queries_for(client, **query) -> int:
    with CaptureQueriesContext(connection) as ctx:
        get(client, **query)
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_replies(admin_client):
    period = {"start": "2025-03-01", "end": "2025-03-07"}
    reply("alice", at(1))
    FeedbackFactory()
    few = queries_for(admin_client, **period)
    for n in range(40):
        outcome = [OUT.DONE, OUT.FAILED, OUT.CANCELLED, OUT.EXPIRED][n % 4]
        reply(f"user{n % 13}", at(1 + n % 7, n % 24), model=f"model-{n % 5}", outcome=outcome, offline=n % 6 == 0)
        feedback("positive" if n % 3 else "negative", at(1 + n % 7))
    assert queries_for(admin_client, **period) == few
