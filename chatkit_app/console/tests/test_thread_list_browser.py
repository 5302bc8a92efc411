"""The operator's errand in Chromium at a laptop's width: find last week's 👎 threads, read one, see what it cost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from chatkit_app.models import Feedback, Thread
from chatkit_app.testing.factories import (
    AssistantMessageFactory,
    FeedbackFactory,
    ReplyFactory,
    ThreadFactory,
    UserMessageFactory,
)

ANSWER = "**Day 1:** the Alhambra at 08:30.\n\n- Book tickets a month ahead\n- Wear good shoes"


def trip(title: str, user: str, kind: str | None = None, days_ago: int = 1) -> Thread:
    """A thread of one turn, with its reply's usage, and feedback of `kind` pressed `days_ago`."""
    thread = ThreadFactory(title=title, user_id=user)
    UserMessageFactory(thread=thread, text=f"{title}, please.")
    answer = AssistantMessageFactory(thread=thread, text=ANSWER)
    ReplyFactory(thread=thread, item_id=answer.item_id, input_tokens=2400, cached_tokens=1200, output_tokens=480)
    if kind:
        pressed = FeedbackFactory(item=answer, kind=kind)
        Feedback.objects.filter(pk=pressed.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return thread


@pytest.fixture
def threads(transactional_db) -> dict[str, Thread]:
    """Seeded before the browser starts: Playwright's sync API runs an event loop, where the ORM will not."""
    made = {
        "granada": trip("Granada in spring", "maria.santos", "negative", days_ago=2),
        "porto": trip("Porto weekend", "kenji", "negative", days_ago=5),
        "old": trip("Rome last month", "kenji", "negative", days_ago=20),
        "liked": trip("Kyoto in autumn", "li.wei", "positive"),
    }
    for n in range(12):
        trip(f"Quiet trip {n}", f"user_{n}")
    return made


def test_an_operator_finds_last_weeks_thumbs_down_reads_one_and_sees_its_cost(threads, admin_browser):
    page = admin_browser.open(reverse("admin:chatkit_app_thread_changelist"))
    header = [cell.strip().lower() for cell in page.locator("#result_list thead th").all_inner_texts()]
    for column in ("thread", "user", "last activity", "replies", "tokens", "cost", "feedback", "last outcome"):
        assert column in header, header
    results = page.evaluate("(el => [el.scrollWidth, el.clientWidth])(document.querySelector('.results'))")
    assert results[0] <= results[1], f"the list scrolls sideways at 1280 px: {results}"

    filters = page.locator("#changelist-filter")
    rows = page.locator("#result_list tbody tr")
    # Each click loads a new page: wait for its list before the next click or read.
    filters.get_by_role("link", name="👎 pressed").click()
    expect(rows).to_have_count(3)  # Granada, Porto, and Rome's older 👎
    filters.get_by_role("link", name="Past 7 days").click()
    expect(rows).to_have_count(2)
    listed = sorted(rows.locator("td.field-thread a").all_inner_texts())
    assert listed == ["Granada in spring", "Porto weekend"]
    granada = rows.filter(has_text="Granada in spring")
    assert "👎 1" in granada.locator("td.field-feedback").inner_text()
    assert granada.locator("td.field-cost").inner_text().startswith("$0.00")
    admin_browser.screenshot("threads")

    granada.get_by_role("link", name="Granada in spring").click()
    page.wait_for_url(f"**{reverse('admin:chatkit_app_thread_change', args=[threads['granada'].pk])}")
    answer = page.locator("article.mk-assistant")
    assert answer.locator("strong", has_text="Day 1:").is_visible()  # Markdown, drawn
    assert answer.locator("li").all_inner_texts() == ["Book tickets a month ahead", "Wear good shoes"]
    assert "disliked" in answer.locator(".mk-feedback").inner_text()
    figures = answer.locator(".mk-reply").inner_text()
    assert "gpt-4.1-mini" in figures and "2,400" in figures and "$0.0" in figures
    assert not page.locator("details.mk-raw[open]").count()  # the JSON stays one click away
