"""The thread list's filters: feedback, outcome, model, and a date that follows the feedback chosen.

"Threads where users pressed 👎 last week" is 👎 under feedback and "Past 7 days"
under date: with a feedback kind chosen, the date is the feedback's own (pressed
in those days), whatever the thread did since; without one, the last activity.
Each filter is an EXISTS over an indexed column of the thread's rows; none lists
its choices with a SELECT DISTINCT over a large table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import build_q_object_from_lookup_parameters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest

from agents_app.offline import MODEL_NAME as OFFLINE_MODEL
from chatkit_app.console.thread_list import CUT_SHORT
from chatkit_app.models import Feedback, Reply

# The models offered are those with a price, the configured and offline ones, and those of the latest replies.
RECENT_REPLIES = 1000


def threads_given(feedback: QuerySet) -> QuerySet:
    """The threads of `feedback`, as a subquery (`IN`): feedback is rare beside threads, so PostgreSQL hashes
    it in one pass, where an EXISTS per thread would walk each thread's items (2 s beside a search)."""
    return feedback.order_by().values("item__thread_id")


class FeedbackFilter(admin.SimpleListFilter):
    title = "feedback"
    parameter_name = "feedback"
    NONE = "none"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(Feedback.Kind.NEGATIVE, "👎 pressed"), (Feedback.Kind.POSITIVE, "👍 pressed"), (self.NONE, "none")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == self.NONE:
            return queryset.filter(~Exists(Feedback.objects.filter(item__thread=OuterRef("thread_id"))))
        if self.value() in Feedback.Kind.values:
            return queryset.filter(thread_id__in=threads_given(Feedback.objects.filter(kind=self.value())))
        return queryset


class ActivityOrFeedbackDateFilter(admin.DateFieldListFilter):
    """Django's date filter on `updated_at`; on the feedback's date when a feedback kind is chosen."""

    def __init__(self, field: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(field, request, *args, **kwargs)
        self.title = "date: of the 👍/👎 if chosen, else last activity"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        kind = request.GET.get(FeedbackFilter.parameter_name)
        if kind not in Feedback.Kind.values or not self.used_parameters:
            filtered = super().queryset(request, queryset)  # never `or queryset`: that would read every thread
            return queryset if filtered is None else filtered
        # updated_at__gte=[...] becomes created_at__gte=[...] of the feedback.
        lookups: dict[str, Iterable[object]] = {
            "created_at" + name.removeprefix(self.field_path): cast(list, value)
            for name, value in self.used_parameters.items()
        }
        try:
            pressed = Feedback.objects.filter(build_q_object_from_lookup_parameters(lookups), kind=kind)
            return queryset.filter(thread_id__in=threads_given(pressed))
        except (ValueError, ValidationError) as error:
            raise IncorrectLookupParameters(error) from error


class OutcomeFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "outcome"
    GROUPS = {"failed": (Reply.Outcome.FAILED,), "cancelled": CUT_SHORT}

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("failed", "a reply failed"),
            ("cancelled", "a reply cancelled or stopped"),
            ("last-failed", "the last reply failed"),
            ("last-cancelled", "the last reply cancelled or stopped"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value() or ""
        outcomes = self.GROUPS.get(value.removeprefix("last-"))
        if outcomes is None:
            return queryset
        # Threads with such a reply: PostgreSQL joins them from one pass over the replies.
        had = queryset.filter(Exists(Reply.objects.filter(thread=OuterRef("thread_id"), outcome__in=outcomes)))
        if value.startswith("last-"):
            # ...then the latest reply (`thread_list.with_figures`) of those few threads only, not of all.
            return had.filter(last_outcome__in=outcomes)
        return had


class ModelFilter(admin.SimpleListFilter):
    """Threads with a reply by a model. Choices: the priced, configured and offline models, and those of the
    latest replies (read newest first from `reply_started`), not a DISTINCT over every reply."""

    title = "model"
    parameter_name = "model"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        recent = Reply.objects.order_by("-started_at").values_list("model", flat=True)[:RECENT_REPLIES]
        known = {*settings.MERAK_MODEL_PRICES, settings.MERAK_MODEL, OFFLINE_MODEL, *recent, self.value() or ""}
        return [(name, name) for name in sorted(known - {""})]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        return queryset.filter(Exists(Reply.objects.filter(thread=OuterRef("thread_id"), model=self.value())))


LIST_FILTER = (
    FeedbackFilter,
    ("updated_at", ActivityOrFeedbackDateFilter),
    OutcomeFilter,
    ModelFilter,
)
