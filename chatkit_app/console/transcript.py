"""A thread's transcript on its admin page: each item as its user saw it, each reply with its figures.

`conversation.load` reads the rows (three queries); `items_html` draws each
item; this module puts them in order, hangs each reply's usage, cost,
timings and outcome on the item it ended with, the feedback on its item,
and renders `admin/chatkit_app/transcript.html`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from chatkit_app.console.conversation import REQUESTS, Conversation, ItemRow, cost_label, figures, load, model_label
from chatkit_app.console.items_html import ItemView, item_view
from chatkit_app.console.widgets.icons import icon
from chatkit_app.models import Reply, Thread

# A thread page renders at most this many items (a thousand render in well under a second, see
# bench/admin_transcript.py); the items changelist has the rest.
TRANSCRIPT_LIMIT = 1000

_NO_ITEM = ItemView("reply", "Reply", '<p class="ck-note">No message of this reply is in the thread.</p>')
_FEEDBACK = {"positive": ("thumbs-up", "liked"), "negative": ("thumbs-down", "disliked")}
_SERIOUS: dict[str, str] = {Reply.Outcome.FAILED: "danger"}  # any other outcome but done is a warning


@dataclass
class Entry:
    view: ItemView
    item: ItemRow | None  # None for a reply that left no item
    replies: list[Reply]
    feedback: list[str]
    day: str = ""  # set on the first entry of each day
    url: str = ""  # the item's admin record
    json_url: str = ""  # the item's JSON, fetched when its "JSON" is opened (static/.../transcript.js)

    @property
    def body(self) -> SafeString:
        return mark_safe(self.view.body)  # noqa: S308 - built by items_html from escaped or sanitized parts

    @property
    def time(self) -> str:
        when = self.item.created_at if self.item else self.replies[0].started_at
        return timezone.localtime(when).strftime("%H:%M:%S")

    @property
    def flag(self) -> SafeString:
        """A banner when a reply ended any other way than done."""
        ended = [reply for reply in self.replies if reply.outcome != Reply.Outcome.DONE]
        return mark_safe("".join(_flag(reply) for reply in ended))  # noqa: S308 - escaped in _flag

    @property
    def footer(self) -> SafeString:
        feedback = "".join(
            f'<span class="mk-feedback mk-{kind}">{icon(_FEEDBACK[kind][0])} {_FEEDBACK[kind][1]}</span>'
            for kind in self.feedback
        )
        return mark_safe(feedback + "".join(_reply_html(reply) for reply in self.replies))  # noqa: S308


def _flag(reply: Reply) -> str:
    level = _SERIOUS.get(reply.outcome, "warning")
    text = dict(figures(reply))["outcome"]
    return f'<div class="mk-flag mk-flag-{level}">Reply {escape(text)}</div>'


def _reply_html(reply: Reply) -> str:
    """A reply's figures as a row of chips: its model, then tokens, requests, timings and cost."""
    chips = [f'<span class="mk-fig mk-fig-model">{escape(model_label(reply))}</span>']
    for name, value in figures(reply):
        if name in ("model", "outcome"):
            continue
        tip = ' title="This model has no price in MERAK_MODEL_PRICES"' if name == "cost" and reply.cost is None else ""
        chips.append(f'<span class="mk-fig"{tip}><span>{escape(name)}</span> {escape(value)}</span>')
    outcome = reply.outcome if reply.outcome in Reply.Outcome.values else "failed"
    request = escape(REQUESTS.get(reply.request_type, reply.request_type))
    kind = f'<span class="mk-reply-kind">Reply · {request} · {escape(reply.outcome)}</span>'
    return f'<div class="mk-reply mk-outcome-{outcome}">{kind}{"".join(chips)}</div>'


def _entries(conversation: Conversation) -> list[Entry]:
    thread_pk = conversation.thread.pk
    base = reverse("admin:chatkit_app_thread_attachment", args=[thread_pk, "0"])[:-2]

    def attachment_url(attachment_id: str) -> str:
        return f"{base}{quote(attachment_id, safe='')}/"

    entries = [
        Entry(item_view(item.data, attachment_url), item, replies, conversation.feedback.get(item.seq, []))
        if item
        else Entry(_NO_ITEM, None, replies, [])
        for item, replies in conversation.timeline()
    ]
    # One reverse() for all of them: the rest is the same path with another key.
    item_base = reverse("admin:chatkit_app_item_change", args=[0])
    json_base = reverse("admin:chatkit_app_thread_item_json", args=[thread_pk, 0]).removesuffix("0.json")
    last_day = ""
    for entry in entries:
        if entry.item:
            entry.url = item_base.replace("/0/", f"/{entry.item.seq}/", 1)
            entry.json_url = f"{json_base}{entry.item.seq}.json"
        when = entry.item.created_at if entry.item else entry.replies[0].started_at
        day = timezone.localtime(when).strftime("%A %d %B %Y")
        if day != last_day:
            entry.day = last_day = day
    return entries


def _summary(conversation: Conversation) -> dict[str, Any]:
    replies = conversation.all_replies()
    priced = [reply.cost for reply in replies if reply.cost is not None]
    feedback = Counter(kind for kinds in conversation.feedback.values() for kind in kinds)
    outcomes = Counter(reply.outcome for reply in replies if reply.outcome != Reply.Outcome.DONE)
    return {
        "items": len(conversation.items),
        "replies": len(replies),
        "input_tokens": f"{sum(reply.input_tokens for reply in replies):,}",
        "cached_tokens": f"{sum(reply.cached_tokens for reply in replies):,}",
        "output_tokens": f"{sum(reply.output_tokens for reply in replies):,}",
        "cost": cost_label(sum(priced, Decimal(0))) if priced else "",
        "unpriced": len(replies) - len(priced),
        "offline": any(reply.offline for reply in replies),
        "positive": feedback["positive"],
        "negative": feedback["negative"],
        "thumbs_up": mark_safe(icon("thumbs-up", label="👍")),  # noqa: S308 - our own drawing
        "thumbs_down": mark_safe(icon("thumbs-down", label="👎")),  # noqa: S308
        "outcomes": sorted(outcomes.items()),
    }


def render(thread: Thread) -> str:
    """The thread's transcript as HTML, for its admin page."""
    conversation = load(thread, TRANSCRIPT_LIMIT)
    context = {
        "entries": _entries(conversation),
        "summary": _summary(conversation),
        "more": conversation.more,
        "limit": TRANSCRIPT_LIMIT,
        "items_url": reverse("admin:chatkit_app_item_changelist") + "?" + urlencode({"q": thread.thread_id}),
    }
    return render_to_string("admin/chatkit_app/transcript.html", context)
