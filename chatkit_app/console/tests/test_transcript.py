"""A thread's page reads as its user saw it: Markdown made safe, cards drawn, work and tools shown, hidden context
marked, each reply with its figures and feedback; in a constant number of queries."""

from __future__ import annotations

import json
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chatkit_app.console.markdown import render_markdown
from chatkit_app.models import Feedback, Thread
from chatkit_app.testing.factories import (
    AssistantMessageFactory,
    ClientToolCallFactory,
    FeedbackFactory,
    ItemFactory,
    ReplyFactory,
    ThreadFactory,
    UserMessageFactory,
    WidgetItemFactory,
)

pytestmark = pytest.mark.django_db


class Tags(HTMLParser):
    """The live tags of an HTML fragment and their attributes (escaped text is no tag)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


def page(client, thread: Thread) -> str:
    response = client.get(reverse("admin:chatkit_app_thread_change", args=[thread.pk]))
    assert response.status_code == 200
    return response.content.decode()


def transcript_of(client, thread: Thread) -> str:
    html = page(client, thread)
    return html[html.index('<section class="merak-transcript"') : html.index("</section>")]


# --- Markdown, made safe -------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="https://example.com" onclick="alert(1)">raw HTML</a>',
        "[click me](javascript:alert(1))",
        "[click me](JaVaScRiPt:alert(1))",
        "<iframe src=https://evil.example></iframe>",
        '<div style="position:fixed;inset:0">cover</div>',
    ],
)
def test_a_reply_renders_hostile_markup_inert(admin_client, hostile):
    thread = ThreadFactory()
    AssistantMessageFactory(thread=thread, text=f"Before {hostile} after")
    html = transcript_of(admin_client, thread)
    reply = html[html.index('<div class="mk-markdown">') :]
    reply = reply[: reply.index("</div>")]
    assert "Before" in reply and "after" in reply
    tags = Tags()
    tags.feed(reply)
    assert {tag for tag, _ in tags.seen} <= {"div", "p", "a"}
    for _, attributes in tags.seen:
        assert not [name for name, _ in attributes if name.startswith("on") or name == "style"]
        assert not [value for name, value in attributes if name == "href" and not value.startswith("https:")]


def test_markdown_becomes_html():
    html = render_markdown("**Day 1:** the castle\n\n- Alfama\n- Baixa\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<strong>Day 1:</strong>" in html
    assert "<li>Alfama</li>" in html and "<td>1</td>" in html
    link = render_markdown("[map](https://www.openstreetmap.org/)")
    assert link == (
        '<p><a href="https://www.openstreetmap.org/" target="_blank" rel="noopener noreferrer nofollow">map</a></p>\n'
    )
    assert "<img" not in render_markdown("![tracker](https://evil.example/pixel.gif)")  # a link instead
    assert "href" not in render_markdown("[admin](/admin/auth/user/)")  # nothing relative to the admin


def test_user_messages_stay_plain_text_with_their_line_breaks(admin_client):
    thread = ThreadFactory()
    UserMessageFactory(thread=thread, text="**not bold**\n<b>not bold either</b>\nthird line")
    html = transcript_of(admin_client, thread)
    assert '<div class="mk-user-text">**not bold**\n&lt;b&gt;not bold either&lt;/b&gt;\nthird line</div>' in html


# --- cards, work, tools, what the user never saw ---------------------------------------------


def test_items_of_every_kind_are_shown_for_what_they_are(admin_client):
    thread = ThreadFactory()
    UserMessageFactory(thread=thread, text="Plan Lisbon")
    workflow = {
        "type": "custom",
        "tasks": [
            {"type": "custom", "title": "Found Lisbon, Portugal", "content": "Population 517,802", "icon": "map-pin",
             "status_indicator": "complete"},
            {"type": "custom", "title": "Checking holidays", "status_indicator": "loading"},
        ],
    }  # fmt: skip
    ItemFactory(thread=thread, fields={"type": "workflow", "workflow": workflow})
    WidgetItemFactory(thread=thread)
    ClientToolCallFactory(thread=thread, name="open_map", arguments={"place": "Lisbon"}, output={"opened": True})
    ItemFactory(thread=thread, fields={"type": "hidden_context_item", "content": "The user pressed “Add a day”."})
    ItemFactory(thread=thread, fields={"type": "sdk_hidden_context", "content": "The user cancelled the stream."})
    ItemFactory(thread=thread, fields={"type": "end_of_turn"})
    html = transcript_of(admin_client, thread)

    assert 'class="mk-task mk-task-complete" title="done"' in html and "Found Lisbon, Portugal" in html
    assert "<p>Population 517,802</p>" in html and 'title="in progress"' in html
    assert '<div class="ck-text">Lisbon, 3 days</div>' in html  # the card, drawn
    assert "<code>open_map</code>" in html and "&quot;place&quot;: &quot;Lisbon&quot;" in html
    assert "The browser's answer" in html and "&quot;opened&quot;: true" in html
    hidden = html[html.index('data-type="hidden_context_item"') :]
    assert "Hidden context: the model reads it, the user never saw it." in hidden
    assert "SDK note to the model, not shown to the user: The user cancelled the stream." in html
    assert '<div class="mk-marker"><span>End of turn · ' in html


def test_each_items_raw_json_is_one_click_away(admin_client):
    thread = ThreadFactory()
    item = UserMessageFactory(thread=thread, text="hello")
    html = transcript_of(admin_client, thread)
    url = reverse("admin:chatkit_app_thread_item_json", args=[thread.pk, item.seq])
    assert f'<details class="mk-raw" data-json="{url}"><summary>JSON</summary>' in html  # closed: no `open`
    response = admin_client.get(url)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert json.loads(response.content) == item.data


def test_an_items_json_is_only_for_its_thread_and_for_staff(admin_client, client, django_user_model):
    thread, other = ThreadFactory(), ThreadFactory()
    item = UserMessageFactory(thread=other)
    assert (
        admin_client.get(reverse("admin:chatkit_app_thread_item_json", args=[thread.pk, item.seq])).status_code == 404
    )
    mine = reverse("admin:chatkit_app_thread_item_json", args=[other.pk, item.seq])
    assert admin_client.get(mine).status_code == 200
    client.force_login(django_user_model.objects.create_user("visitor"))
    assert client.get(mine).status_code == 302  # to the admin's login: not staff


def test_attachments_show_as_thumbnails_or_links_through_the_admin(admin_client):
    thread = ThreadFactory()
    attachments = [
        {"type": "image", "id": "atc_photo", "name": "tram.png", "mime_type": "image/png",
         "preview_url": "https://app.example.com/chatkit/attachments/signed"},
        {"type": "image", "id": "atc_vector", "name": "map.svg", "mime_type": "image/svg+xml",
         "preview_url": "https://app.example.com/chatkit/attachments/signed2"},
        {"type": "file", "id": "atc_pdf", "name": "booking.pdf", "mime_type": "application/pdf"},
    ]  # fmt: skip
    fields = {"type": "user_message", "content": [{"type": "input_text", "text": "see"}], "inference_options": {}}
    ItemFactory(thread=thread, fields={**fields, "attachments": attachments})
    html = transcript_of(admin_client, thread)
    base = f"/admin/chatkit_app/thread/{thread.pk}/attachments"
    assert f'<img src="{base}/atc_photo/" alt="tram.png"' in html
    assert f'<a class="mk-file" href="{base}/atc_vector/">' in html  # an SVG is never an inline image
    assert f'<a class="mk-file" href="{base}/atc_pdf/">' in html
    assert "app.example.com" not in html  # never the user's signed links


# --- each reply's figures and feedback --------------------------------------------------------


def test_a_reply_carries_its_usage_cost_timings_and_feedback(admin_client):
    thread = ThreadFactory()
    UserMessageFactory(thread=thread)
    answer = AssistantMessageFactory(thread=thread, text="Day one: Alfama.")
    ReplyFactory(
        thread=thread, item_id=answer.item_id, model="gpt-4.1-mini", input_tokens=12_345, cached_tokens=2_000,
        output_tokens=678, requests=2, tool_calls=3, first_token_ms=850, total_ms=4_321, cost=Decimal("0.005214"),
    )  # fmt: skip
    FeedbackFactory(item=answer, kind=Feedback.Kind.NEGATIVE)
    html = transcript_of(admin_client, thread)
    footer = html[html.index('<footer class="mk-footer">') :]
    footer = footer[: footer.index("</footer>")]
    assert '<span class="mk-feedback mk-negative">' in footer and "disliked" in footer
    assert "Reply · message · done" in footer
    for shown in [
        '<span class="mk-fig mk-fig-model">gpt-4.1-mini</span>',
        "<span>tokens in</span> 12,345",
        "<span>cached</span> 2,000",
        "<span>out</span> 678",
        "<span>requests</span> 2",
        "<span>tool calls</span> 3",
        "<span>first token</span> 850 ms",
        "<span>total</span> 4,321 ms",
        "<span>cost</span> $0.005214",
    ]:
        assert shown in footer


def test_an_offline_reply_says_its_tokens_are_words_and_shows_no_cost(admin_client):
    thread = ThreadFactory()
    answer = AssistantMessageFactory(thread=thread)
    ReplyFactory(thread=thread, item_id=answer.item_id, model="merak-offline-planner", offline=True, cost=None)
    html = transcript_of(admin_client, thread)
    assert "merak-offline-planner (offline — words, not tokens)" in html
    assert '<span class="mk-fig" title="This model has no price in MERAK_MODEL_PRICES"><span>cost</span> —' in html
    assert "$" not in html


def test_stopped_failed_and_itemless_replies_are_marked(admin_client):
    thread = ThreadFactory()
    stopped = AssistantMessageFactory(thread=thread, text="Day one: Alf")
    ItemFactory(thread=thread, fields={"type": "sdk_hidden_context", "content": "The user cancelled the stream."})
    ReplyFactory(thread=thread, item_id=stopped.item_id, outcome="stopped", started_at=stopped.created_at)
    later = UserMessageFactory(thread=thread, text="try again")
    ReplyFactory(thread=thread, item_id="", outcome="failed", error_code="rate_limited", started_at=later.created_at)
    html = transcript_of(admin_client, thread)
    assert '<div class="mk-flag mk-flag-warning">Reply stopped: the stop button, or an operator</div>' in html
    assert '<div class="mk-flag mk-flag-danger">Reply failed (rate_limited)</div>' in html
    assert html.index("try again") < html.index("No message of this reply is in the thread.")


def test_the_threads_figures_add_up_its_replies(admin_client):
    thread = ThreadFactory()
    for cost in [Decimal("0.25"), Decimal("0.5"), None]:
        ReplyFactory(thread=thread, item_id=AssistantMessageFactory(thread=thread).item_id, cost=cost)
    FeedbackFactory(item=thread.items.first())
    html = transcript_of(admin_client, thread)
    summary = html[: html.index('<div class="mk-day">')]
    assert "<strong>3</strong>" in summary  # replies
    assert "<strong>3,600 · 0 · 900</strong>" in summary
    assert "<strong>$0.75</strong>" in summary and "1 reply with no price" in summary
    assert "</svg> 1 · " in summary  # one 👍


# --- constant queries, a limit ----------------------------------------------------------------


def converse(thread: Thread, turns: int) -> None:
    """`turns` turns of four items (a question, a card, an answer, a hidden note), a reply each, some feedback."""
    for turn in range(turns):
        question = UserMessageFactory(thread=thread, text=f"Question {turn}")
        WidgetItemFactory(thread=thread)
        answer = AssistantMessageFactory(thread=thread, text=f"**Answer** {turn}")
        ItemFactory(thread=thread, fields={"type": "hidden_context_item", "content": {"turn": turn}})
        ReplyFactory(thread=thread, item_id=answer.item_id, started_at=question.created_at)
        if turn % 3 == 0:
            FeedbackFactory(item=answer)


def queries_for(client, thread: Thread) -> int:
    with CaptureQueriesContext(connection) as ctx:
        page(client, thread)
    return len(ctx.captured_queries)


def test_the_page_runs_as_many_queries_for_a_long_thread_as_for_a_short_one(admin_client):
    short, long = ThreadFactory(), ThreadFactory()
    converse(short, 1)
    converse(long, 40)
    ReplyFactory(thread=long, item_id="")  # and a reply that left no item
    page(admin_client, short)  # warm up per-process caches
    assert queries_for(admin_client, short) == queries_for(admin_client, long)


def test_a_thread_past_the_limit_shows_its_first_items_and_a_link_to_the_rest(admin_client, monkeypatch):
    monkeypatch.setattr("chatkit_app.console.transcript.TRANSCRIPT_LIMIT", 6)
    thread = ThreadFactory()
    converse(thread, 2)
    UserMessageFactory(thread=thread, text="past the cut")
    html = transcript_of(admin_client, thread)
    assert "Question 1" in html and "past the cut" not in html
    assert "Showing the first 6 items." in html and f"?q={thread.thread_id}" in html
    assert html.count('class="mk-reply ') == 1  # the second turn's reply ended past the cut
