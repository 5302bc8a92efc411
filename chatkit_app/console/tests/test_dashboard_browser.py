"""The usage dashboard in Chromium at a laptop's width: its charts load, its tables show, nothing scrolls sideways."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from chatkit_app.models import Feedback, Reply
from chatkit_app.testing.factories import AssistantMessageFactory, FeedbackFactory, ReplyFactory, ThreadFactory

USERS = ["maria.santos", "kenji", "user_4821", "a.dubois", "li.wei", "sam", "priya.k"]
MODELS = [("gpt-4.1-mini", 0.6), ("gpt-4.1", 0.25), ("o4-mini", 0.1), ("offline-planner", 0.05)]
PRICES = {"gpt-4.1-mini": (0.4, 0.1, 1.6), "gpt-4.1": (2.0, 0.5, 8.0)}  # o4-mini left unpriced


@pytest.fixture
def a_month(transactional_db) -> int:
    """About 300 replies over the last 30 days, some failed, cancelled or expired, and feedback; how many unfinished.

    Seeded before the browser starts: Playwright's sync API runs an event loop, where the ORM will not.
    """
    rng = random.Random(12)
    now = timezone.now()
    threads = {user: [ThreadFactory(user_id=user, title=f"Trip {n + 1} of {user}") for n in range(3)] for user in USERS}
    for day in range(30):
        busy = 4 + round(8 * (1 + (day % 7 in (5, 6))) * rng.random())
        for _ in range(0 if day == 11 else busy):  # one quiet day
            user = rng.choices(USERS, weights=[9, 7, 5, 4, 3, 2, 1])[0]
            model = rng.choices([m for m, _ in MODELS], weights=[w for _, w in MODELS])[0]
            offline = model == "offline-planner"
            input_tokens, output_tokens = rng.randint(1500, 9000), rng.randint(150, 1400)
            cached = rng.choice([0, 0, input_tokens // 2, input_tokens * 3 // 4])
            price = PRICES.get(model)
            cost = None
            if price:
                micro = (input_tokens - cached) * price[0] + cached * price[1] + output_tokens * price[2]
                cost = (Decimal(str(micro)) / 1_000_000).quantize(Decimal("0.000001"))
            outcome = rng.choices(["done", "failed", "cancelled", "stopped", "expired"], weights=[90, 3, 3, 3, 1])[0]
            ReplyFactory(
                thread=rng.choice(threads[user]),
                model=model,
                offline=offline,
                input_tokens=input_tokens,
                cached_tokens=0 if offline else cached,
                output_tokens=output_tokens,
                cost=cost,
                outcome=outcome,
                error_code="rate_limited" if outcome == "failed" else "",
                started_at=now - timedelta(days=day, minutes=rng.randint(0, 600)),
            )
        for _ in range(rng.randint(0, 4)):
            answer = AssistantMessageFactory(thread=rng.choice(threads[rng.choice(USERS)]))
            row = FeedbackFactory(item=answer, kind=rng.choices(["positive", "negative"], weights=[4, 1])[0])
            Feedback.objects.filter(pk=row.pk).update(created_at=now - timedelta(days=day, hours=1))
    return Reply.objects.exclude(outcome="done").count()


@pytest.mark.timeout(120)
def test_the_dashboard_fits_a_laptop_with_its_charts_and_tables(a_month, admin_browser):
    page = admin_browser.open(reverse("admin:chatkit_app_usage_changelist"))

    charts = page.locator("img.chart")
    assert charts.count() == 2
    for n in range(2):
        chart = charts.nth(n)
        chart.scroll_into_view_if_needed()
        assert chart.evaluate("img => img.complete && img.naturalWidth") > 0
        assert chart.bounding_box()["width"] > 600
        assert "per day" in chart.get_attribute("alt")

    users = page.locator("#usage-users tbody tr")
    assert users.count() == len(USERS)
    assert users.first.locator("a").inner_text() in USERS
    ratio = page.locator("#usage-ratio").inner_text()
    assert "% positive" in ratio and "👍" in ratio and "👎" in ratio
    assert page.locator("#usage-models").inner_text().count("offline: words, not tokens") == 1
    assert page.locator("#usage-unfinished tbody tr").count() == min(a_month, 10)
    assert page.locator('.usage-period a[aria-current="page"]').inner_text() == "Last 30 days"

    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"scrolls sideways: {width}"
    admin_browser.screenshot("dashboard")


def test_the_reply_list_fits_a_laptop(a_month, admin_browser):
    page = admin_browser.open(reverse("admin:chatkit_app_reply_changelist"))
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 50
    assert page.locator(".object-tools a", has_text="Usage dashboard").is_visible()
    header = page.locator("#result_list thead").inner_text().lower()
    assert all(
        name in header
        for name in ("started", "thread / user", "model / outcome", "tokens in / out", "cost", "1st token / total")
    )
    results = page.evaluate("(el => [el.scrollWidth, el.clientWidth])(document.querySelector('.results'))")
    assert results[0] <= results[1], f"the list scrolls sideways: {results}"
