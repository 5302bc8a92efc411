"""A thread as its page and its exports read it: its items in order, each reply's figures joined to the item
it ended with, and the feedback on each item. Three queries, whatever the thread's length.

Also the words both of them use for a reply: its model, its outcome, its figures.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q

from chatkit_app.models import Feedback, Item, Reply, Thread

# What each way a reply can end means to an operator (`Reply.outcome`).
OUTCOMES: dict[str, str] = {
    Reply.Outcome.DONE: "done",
    Reply.Outcome.CANCELLED: "cancelled: its client left before the end",
    Reply.Outcome.STOPPED: "stopped: the stop button, or an operator",
    Reply.Outcome.SHUTDOWN: "cut short: its worker stopped",
    Reply.Outcome.EXPIRED: "cut short: it ran past its time limit",
    Reply.Outcome.FAILED: "failed",
}

# What started each reply (`Reply.request_type`), in words.
REQUESTS = {
    "threads.create": "new thread",
    "threads.add_user_message": "message",
    "threads.retry_after_item": "retry",
    "threads.custom_action": "card action",
    "threads.add_client_tool_output": "browser's answer",
}


@dataclass
class ItemRow:
    seq: int
    item_id: str
    type: str
    created_at: datetime
    data: dict[str, Any]


@dataclass
class Conversation:
    thread: Thread
    items: list[ItemRow]
    more: bool  # items past the limit were left out
    replies: dict[str, list[Reply]] = field(default_factory=dict)  # by the item each ended with
    unplaced: list[Reply] = field(default_factory=list)  # with no item shown (none written, or retried away)
    feedback: dict[int, list[str]] = field(default_factory=dict)  # kinds, by item seq

    def all_replies(self) -> list[Reply]:
        return sorted([r for rs in self.replies.values() for r in rs] + self.unplaced, key=lambda r: r.started_at)

    def timeline(self) -> list[tuple[ItemRow | None, list[Reply]]]:
        """Each item with the replies that ended with it; a reply that left no item, alone, where it ended."""
        steps: list[tuple[ItemRow | None, list[Reply]]] = [
            (item, self.replies.get(item.item_id, [])) for item in self.items
        ]
        times = [item.created_at for item in self.items]
        for reply in reversed(self.unplaced):
            steps.insert(bisect.bisect_right(times, ended_at(reply)), (None, [reply]))
        return steps


def load(thread: Thread, limit: int | None = None) -> Conversation:
    """The thread's first `limit` items (all when None), the replies and feedback that go with them."""
    rows = Item.objects.filter(thread_id=thread.thread_id).order_by("created_at", "seq")
    fetched = list(rows.values_list("seq", "item_id", "type", "created_at", "data")[: limit + 1 if limit else None])
    more = limit is not None and len(fetched) > limit
    items = [ItemRow(*row) for row in fetched[:limit]]
    conversation = Conversation(thread, items, more)

    replies = Reply.objects.filter(thread_id=thread.thread_id).order_by("started_at", "pk")
    feedback = Feedback.objects.filter(item__thread_id=thread.thread_id)
    if more:  # nothing that belongs to items past the cut
        shown_ids = rows.values("item_id")[:limit]
        replies = replies.filter(Q(item_id__in=shown_ids) | Q(item_id="", started_at__lte=items[-1].created_at))
        feedback = feedback.filter(item__created_at__lte=items[-1].created_at)
    shown = {item.item_id for item in items}
    by_item: dict[str, list[Reply]] = defaultdict(list)
    for reply in replies:
        if reply.item_id in shown:
            by_item[reply.item_id].append(reply)
        else:
            conversation.unplaced.append(reply)
    conversation.replies = dict(by_item)
    kinds: dict[int, list[str]] = defaultdict(list)
    for seq, kind in feedback.order_by("pk").values_list("item_id", "kind"):
        kinds[seq].append(kind)
    conversation.feedback = dict(kinds)
    return conversation


def ended_at(reply: Reply) -> datetime:
    return reply.started_at + timedelta(milliseconds=reply.total_ms)


def model_label(reply: Reply) -> str:
    name = reply.model or "no model"
    return f"{name} (offline — words, not tokens)" if reply.offline else name


def outcome_label(reply: Reply) -> str:
    text = OUTCOMES.get(reply.outcome, reply.outcome)
    return f"{text} ({reply.error_code})" if reply.error_code else text


def cost_label(cost: Decimal | None) -> str:
    """USD to the micro-dollar, trailing zeros dropped; empty for a model without a price."""
    if cost is None:
        return ""
    text = f"{cost:.6f}".rstrip("0").rstrip(".")
    return f"${text}"


def figures(reply: Reply) -> list[tuple[str, str]]:
    """A reply's figures, as (name, value) pairs, in the order an operator reads them."""
    first = f"{reply.first_token_ms:,} ms" if reply.first_token_ms is not None else "none"
    return [
        ("model", model_label(reply)),
        ("tokens in", f"{reply.input_tokens:,}"),
        ("cached", f"{reply.cached_tokens:,}"),
        ("out", f"{reply.output_tokens:,}"),
        ("requests", f"{reply.requests:,}"),
        ("tool calls", f"{reply.tool_calls:,}"),
        ("first token", first),
        ("total", f"{reply.total_ms:,} ms"),
        ("outcome", outcome_label(reply)),
        ("cost", cost_label(reply.cost) or "—"),
    ]
