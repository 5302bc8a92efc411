"""What a reply cost and how it went, recorded as it runs and written once when it ends (`models.Reply`).

The view starts a `ReplyRecord` with the request; the server fills in the
model, its token usage and tool calls (`ran`) and watches the events go by
(`observe`: the first text, an error); the run writes it when it ends,
however it ends (`save`). Tokens become cost through `MERAK_MODEL_PRICES`
(per model, USD per million input, cached input and output tokens); a model
without a price gets no cost, never a guessed one. `of_thread` is what a
thread's user may see of it (`GET /chatkit/runs/<thread>/usage`).
"""

from __future__ import annotations

import logging
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from agents import RunResultStreaming, Usage
from chatkit.types import (
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ClientToolCallItem,
    ErrorEvent,
    StreamOptionsEvent,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
)
from django.conf import settings
from django.db import IntegrityError
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from chatkit_app.models import Reply
from chatkit_app.store import sql
from merak_project.runtime.db_threads import in_database_thread

logger = logging.getLogger(__name__)

MILLION = Decimal(1_000_000)


@dataclass
class ReplyRecord:
    """One reply's figures, as they become known."""

    request_type: str
    user_id: str
    thread_id: str | None
    started_at: datetime = field(default_factory=timezone.now)
    model: str = ""
    offline: bool = False
    usage: Usage = field(default_factory=Usage)
    tool_calls: int = 0
    item_id: str = ""  # the assistant message (or client tool call) it ended with
    error_code: str = ""
    first_token_ms: int | None = None
    # Whether the reply began (the SDK's first event of it): a request refused before is no reply.
    began: bool = False
    _started: float = field(default_factory=time.monotonic)

    def observe(self, event: ThreadStreamEvent) -> None:
        match event:
            case StreamOptionsEvent():
                self.began = True
            case ThreadItemUpdatedEvent(update=AssistantMessageContentPartTextDelta()) if self.first_token_ms is None:
                self.first_token_ms = round((time.monotonic() - self._started) * 1000)
            case ThreadItemAddedEvent(item=item) | ThreadItemDoneEvent(item=item) if _said_by_the_reply(item):
                self.item_id = item.id  # the reply's last: its message, or the browser's tool call
            case ErrorEvent(code=code):
                self.error_code = str(getattr(code, "value", code))

    def ran(self, model: str, offline: bool, result: RunResultStreaming) -> None:
        """An agent run of this reply ended (or was cancelled): its model, usage and tool calls count."""
        self.model, self.offline = model, offline
        self.usage.add(result.context_wrapper.usage)
        self.tool_calls += sum(1 for item in result.new_items if item.type == "tool_call_item")

    def outcome(self, ended: str | None) -> str:
        if self.error_code or ended is None:
            return Reply.Outcome.FAILED
        return ended if ended in Reply.Outcome.values else Reply.Outcome.FAILED

    async def save(self, ended: str | None) -> None:
        """Write the reply's record (once, as its run ends); a failure to write is logged, never raised."""
        if self.thread_id is None:
            return
        try:
            await _save(self._row(self.thread_id, ended))
        except Exception:
            logger.warning("a reply's usage could not be stored", exc_info=True, extra={"thread_id": self.thread_id})

    def _row(self, thread_id: str, ended: str | None) -> Reply:
        usage = self.usage
        cached = usage.input_tokens_details.cached_tokens or 0
        return Reply(
            thread_id=thread_id,
            user_id=self.user_id,
            item_id=self.item_id,
            request_type=self.request_type,
            model=self.model[:200],
            offline=self.offline,
            input_tokens=usage.input_tokens,
            cached_tokens=cached,
            output_tokens=usage.output_tokens,
            requests=usage.requests,
            tool_calls=self.tool_calls,
            first_token_ms=self.first_token_ms,
            total_ms=round((time.monotonic() - self._started) * 1000),
            outcome=self.outcome(ended),
            error_code=self.error_code[:64],
            cost=cost(self.model, usage.input_tokens, cached, usage.output_tokens),
            started_at=self.started_at,
        )


def _said_by_the_reply(item: ThreadItem) -> bool:
    return isinstance(item, AssistantMessageItem | ClientToolCallItem)


def cost(model: str, input_tokens: int, cached_tokens: int, output_tokens: int) -> Decimal | None:
    """What the tokens cost at the model's price in `MERAK_MODEL_PRICES`; None for a model without one."""
    price: dict[str, Any] | None = settings.MERAK_MODEL_PRICES.get(model)
    if price is None:
        return None
    uncached = max(input_tokens - cached_tokens, 0)
    total = (
        uncached * Decimal(str(price.get("input", 0)))
        + cached_tokens * Decimal(str(price.get("cached", price.get("input", 0))))
        + output_tokens * Decimal(str(price.get("output", 0)))
    )
    return (total / MILLION).quantize(Decimal("0.000001"))


@in_database_thread
def of_thread(thread_id: str) -> dict[str, Any]:
    """A thread's usage as its user may see it: totals over its replies, and its latest reply's figures."""
    replies = Reply.objects.filter(thread_id=thread_id)
    totals = replies.aggregate(
        replies=Count("id"),
        input_tokens=Coalesce(Sum("input_tokens"), 0),
        cached_tokens=Coalesce(Sum("cached_tokens"), 0),
        output_tokens=Coalesce(Sum("output_tokens"), 0),
        priced_cost=Sum("cost"),
        unpriced=Count("id", filter=Q(cost__isnull=True)),
    )
    priced_cost = totals.pop("priced_cost")
    latest = replies.order_by("-started_at", "-id").values(*_SHOWN).first()
    return {
        **totals,
        # A sum over priced replies only would pass for the whole: no cost unless every reply has one.
        "cost": None if totals["unpriced"] or priced_cost is None else str(priced_cost),
        "latest": None
        if latest is None
        else {**latest, "cost": None if latest["cost"] is None else str(latest["cost"])},
    }


_SHOWN = (
    "model",
    "offline",
    "input_tokens",
    "cached_tokens",
    "output_tokens",
    "cost",
    "first_token_ms",
    "total_ms",
    "outcome",
)


@in_database_thread
def _save(row: Reply) -> None:
    # The thread may have been deleted while its reply ran: then there is nothing to record it against.
    # One INSERT, in autocommit: it is its own transaction (`atomic()` would add a BEGIN and a COMMIT).
    with suppress(IntegrityError):
        sql.insert(row)
