"""The admin's thread list: each thread's replies, tokens, cost, feedback and last outcome, in a laptop's width.

Every figure is a correlated subquery annotated on the list's query (`with_figures`),
and a page reads them for its own threads only (`FiguresOfThePageOnly`): one query
for the page's ids, PostgreSQL walking `thread_activity` newest first, then one
that runs the subqueries, each an index scan of one thread's replies or items, for
those 50 threads. Two queries, however many rows, replies or items they sum.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.contrib import admin
from django.core.paginator import Page, Paginator
from django.db.models import Count, DecimalField, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from chatkit_app.models import Feedback, Reply, Thread

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from typing import TypeAlias

    from django_stubs_ext import WithAnnotations

# Outcomes where the reply did not run to its end by itself nor fail: someone or something stopped it.
CUT_SHORT = (Reply.Outcome.CANCELLED, Reply.Outcome.STOPPED, Reply.Outcome.SHUTDOWN, Reply.Outcome.EXPIRED)


class Figures(TypedDict):
    reply_count: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    priced_cost: Decimal | None  # the sum over the replies that have a price
    unpriced: int  # replies without one
    thumbs_up: int
    thumbs_down: int
    last_outcome: str | None


def _replies() -> QuerySet:
    """The outer query's thread's replies, as one group."""
    return Reply.objects.filter(thread=OuterRef("thread_id")).order_by().values("thread_id")


def _feedback(kind: str) -> QuerySet:
    """The outer query's thread's feedback of one kind, as one group."""
    rows = Feedback.objects.filter(item__thread=OuterRef("thread_id"), kind=kind)
    return rows.order_by().values("item__thread_id")


def _per_thread(group: QuerySet, aggregate: Count | Sum) -> Subquery:
    return Subquery(group.annotate(value=aggregate).values("value"))


def last_outcome() -> Subquery:
    """The outcome of the thread's latest reply (the newest of `reply_thread_started`)."""
    latest = Reply.objects.filter(thread=OuterRef("thread_id")).order_by("-started_at", "-id")
    return Subquery(latest.values("outcome")[:1])


def with_figures(threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """`threads` annotated with the list's figures (`Figures`)."""

    def count(rows: QuerySet) -> Coalesce:
        return Coalesce(_per_thread(rows, Count("*")), 0, output_field=IntegerField())

    def total(field: str) -> Coalesce:
        return Coalesce(_per_thread(_replies(), Sum(field)), 0, output_field=IntegerField())

    money = DecimalField(max_digits=18, decimal_places=6)

    return threads.annotate(
        reply_count=count(_replies()),
        input_tokens=total("input_tokens"),
        cached_tokens=total("cached_tokens"),
        output_tokens=total("output_tokens"),
        priced_cost=_per_thread(_replies(), Sum("cost", output_field=money)),
        unpriced=count(_replies().filter(cost__isnull=True)),
        thumbs_up=count(_feedback(Feedback.Kind.POSITIVE)),
        thumbs_down=count(_feedback(Feedback.Kind.NEGATIVE)),
        last_outcome=last_outcome(),
    )


class FiguresOfThePageOnly(Paginator):
    """Pages over the threads alone, then reads the figures of the page's threads.

    Annotated on the paged query itself, the figures would be summed for every
    row an OFFSET skips as well: page 20 would sum 1,000 threads' replies to show 50.
    """

    def page(self, number: int | str) -> Page:
        page = super().page(number)
        ids = list(cast(QuerySet, page.object_list).values_list("pk", flat=True))  # no figures in this SELECT
        by_pk = cast(QuerySet, self.object_list).in_bulk(ids)
        page.object_list = [by_pk[pk] for pk in ids if pk in by_pk]
        return page


# --- the columns ------------------------------------------------------------------
# Functions of a row, for `list_display`; `None` shows as the admin's empty value.

if TYPE_CHECKING:
    Row: TypeAlias = WithAnnotations[Thread, Figures]


@admin.display(description="thread", ordering="title")
def thread(obj: Thread) -> str:
    url = reverse("admin:chatkit_app_thread_change", args=[obj.pk])
    return format_html(
        '<a href="{}" title="{}">{}</a><span class="thread-id">{}</span>',
        url,
        obj.thread_id,
        obj.title or "(untitled)",
        obj.thread_id,
    )


@admin.display(description="user", ordering="user_id")
def user(obj: Thread) -> str:
    return format_html('<span title="{}">{}</span>', obj.user_id, obj.user_id)


@admin.display(description="last activity", ordering="updated_at")
def last_activity(obj: Thread) -> str:
    local = timezone.localtime(obj.updated_at)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), local.strftime("%Y-%m-%d %H:%M"))


@admin.display(description="replies")
def replies(obj: Row) -> int:
    return obj.reply_count


@admin.display(description="tokens")
def tokens(obj: Row) -> str | None:
    if not obj.reply_count:
        return None
    detail = f"{obj.input_tokens:,} input ({obj.cached_tokens:,} cached), {obj.output_tokens:,} output"
    return format_html('<span title="{}">{}</span>', detail, f"{obj.input_tokens + obj.output_tokens:,}")


@admin.display(description="cost")
def cost(obj: Row) -> str | None:
    """The replies' cost in USD: none when no reply has a price, and a lower bound when some have none."""
    if obj.priced_cost is None:
        return None
    shown = f"${obj.priced_cost:.4f}"
    if not obj.unpriced:
        return format_html('<span title="USD {}">{}</span>', f"{obj.priced_cost:.6f}", shown)
    note = f"{obj.unpriced} of {obj.reply_count} replies have no price: this sums the others."
    return format_html('<span class="partial" title="{}">≥ {}</span>', note, shown)


@admin.display(description="feedback")
def feedback(obj: Row) -> str | None:
    if not (obj.thumbs_up or obj.thumbs_down):
        return None
    return format_html(
        '<span title="{} 👍, {} 👎">{}{}</span>',
        obj.thumbs_up,
        obj.thumbs_down,
        format_html('<span class="up">👍 {}</span>', obj.thumbs_up) if obj.thumbs_up else "",
        format_html('<span class="down">👎 {}</span>', obj.thumbs_down) if obj.thumbs_down else "",
    )


@admin.display(description="last outcome")
def outcome(obj: Row) -> str | None:
    if obj.last_outcome is None:
        return None
    kind = "failed" if obj.last_outcome == Reply.Outcome.FAILED else "cut" if obj.last_outcome in CUT_SHORT else "done"
    return format_html('<span class="outcome {}">{}</span>', kind, obj.last_outcome)


COLUMNS: tuple[Any, ...] = (thread, user, last_activity, replies, tokens, cost, feedback, outcome)
