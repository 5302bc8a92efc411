"""A real conversation with the offline planner, read in the admin in Chromium: the card as the user saw it."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from django.urls import reverse

from chatkit_app.models import Item, Thread
from chatkit_app.testing.protocol import proxy_headers, user_input

pytestmark = pytest.mark.django_db(transaction=True)


def send(base_url: str, request: dict) -> None:
    """A ChatKit request to the running server, as a frontend's backend sends it; read to its end."""
    headers = {**proxy_headers("alice"), "Content-Type": "application/json"}
    call = urllib.request.Request(f"{base_url}/chatkit", json.dumps(request).encode(), headers, method="POST")
    with urllib.request.urlopen(call, timeout=30) as response:  # noqa: S310 - our own server, on loopback
        assert response.status == 200
        response.read()


@pytest.fixture
def christmas_in_lisbon(asgi_server) -> tuple[Thread, int]:
    """Plan Christmas in Lisbon, press "Make it cheaper", ask for a map and let the browser answer, like it;
    the thread and its number of items. Before the browser starts: Playwright's sync API runs an event loop,
    where the ORM will not."""
    base_url = asgi_server
    send(base_url, {"type": "threads.create", "params": {"input": user_input("3 days in Lisbon from 2027-12-24")}})
    thread = Thread.objects.get()
    card = Item.objects.filter(thread=thread, type="widget").get()
    cheaper = card.data["widget"]["children"][-1]["children"][2]["onClickAction"]
    action = {"type": cheaper["type"], "payload": cheaper["payload"]}
    pressed = {"thread_id": thread.thread_id, "item_id": card.item_id, "action": action}
    send(base_url, {"type": "threads.custom_action", "params": pressed})
    message = {"thread_id": thread.thread_id, "input": user_input("show it on a map")}
    send(base_url, {"type": "threads.add_user_message", "params": message})
    answer = {"thread_id": thread.thread_id, "result": {"opened": True}}
    send(base_url, {"type": "threads.add_client_tool_output", "params": answer})
    first_answer = Item.objects.filter(thread=thread, type="assistant_message").order_by("created_at").first()
    assert first_answer is not None
    feedback = {"thread_id": thread.thread_id, "item_ids": [first_answer.item_id], "kind": "positive"}
    send(base_url, {"type": "items.feedback", "params": feedback})
    return thread, Item.objects.filter(thread=thread).count()


def test_a_transcript_reads_as_the_user_saw_it(christmas_in_lisbon, admin_browser):
    thread, items = christmas_in_lisbon
    page = admin_browser.open(reverse("admin:chatkit_app_thread_change", args=[thread.pk]))

    card = page.locator(".mk-widget .ck-card").first
    for day, date in [("Day 1", "Fri 24 Dec"), ("Day 2", "Sat 25 Dec"), ("Day 3", "Sun 26 Dec")]:
        row = card.locator(".ck-row", has_text=day).last
        assert row.is_visible()
        assert date in row.inner_text()
    assert re.search(r"Sunrise \d\d:\d\d · Sunset \d\d:\d\d", card.inner_text())
    assert card.get_by_text("Public holiday: Christmas Day").is_visible()

    buttons = card.locator(".ck-button")
    assert buttons.all_inner_texts() == ["Add a day", "One day shorter", "Make it cheaper", "12-hour clock"]
    assert all(button.is_visible() for button in buttons.all())
    # Inert: labels, not controls; nothing in a card can be pressed or submitted.
    assert buttons.evaluate_all("els => els.map(e => e.tagName)") == ["SPAN"] * 4
    assert page.locator(".mk-widget :is(button, a, input, select, textarea, form)").count() == 0

    assert page.locator(".mk-hidden", has_text="the user never saw it").first.is_visible()
    tool = page.locator(".mk-tool")
    assert "open_map" in tool.inner_text() and '"opened": true' in tool.inner_text()
    assert page.locator(".mk-reply", has_text="offline — words, not tokens").count() == 4
    assert page.locator(".mk-feedback").all_inner_texts() == ["liked"]  # 👍, on the first answer
    assert page.get_by_role("link", name="Export Markdown").is_visible()

    raw = page.locator("details.mk-raw")
    assert raw.count() == items
    assert raw.evaluate_all("els => els.every(e => !e.open)")
    assert not raw.first.locator("pre").is_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280
    admin_browser.screenshot("transcript")

    item_id = raw.first.locator("xpath=ancestor::article").get_attribute("id").removeprefix("item-")
    raw.first.locator("summary").click()  # fetched as it opens
    assert raw.first.locator("pre").is_visible()
    page.wait_for_function("document.querySelector('details.mk-raw').dataset.state === 'loaded'")
    assert f'"id": "{item_id}"' in raw.first.locator("pre").inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280
