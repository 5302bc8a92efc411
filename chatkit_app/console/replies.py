"""The Django admin of replies: what each reply used, cost and took, and how it ended. Read-only.

Its list links to the usage dashboard (`console.dashboard`), where the same
rows are added up over a period.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from chatkit_app.console.records import RecordAdmin, admin_link
from chatkit_app.console.usage import usd
from chatkit_app.models import Reply

# Models offered by the filter: those of the latest replies, not a SELECT DISTINCT over them all.
RECENT_FOR_MODELS = 1000


class ModelFilter(admin.SimpleListFilter):
    title = "model"
    parameter_name = "model"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        latest = Reply.objects.order_by("-started_at").values_list("model", flat=True)[:RECENT_FOR_MODELS]
        return [(name, name or "(none)") for name in sorted(set(latest))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset if self.value() is None else queryset.filter(model=self.value())


@admin.register(Reply)
class ReplyAdmin(RecordAdmin):
    # Six columns fit beside the admin's two sidebars at 1280 px: the user goes under the thread, the outcome
    # under the model, and both timings share one.
    list_display = ("started", "thread_and_user", "model_and_outcome", "tokens", "cost_usd", "timings")
    list_filter = ("outcome", ModelFilter, "offline", "started_at")
    list_select_related = ("thread",)
    list_defer = ("thread__data",)
    search_fields = ("user_id__exact", "thread__thread_id__exact")
    search_help_text = "A user id or a thread id (exact)."
    ordering = ("-started_at", "-id")
    fields = readonly_fields = (
        "started_at", "thread_link", "user_id", "item_id", "request_type", "model", "offline", "outcome", "error_code",
        "input_tokens", "cached_tokens", "output_tokens", "requests", "tool_calls", "cost_usd", "first_token_ms",
        "total_ms",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reply]:
        # The change page names the thread too: one query, not two.
        return super().get_queryset(request).select_related("thread").defer("thread__data")

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        usage = reverse("admin:chatkit_app_usage_changelist")
        return super().changelist_view(request, {"usage_url": usage, **(extra_context or {})})

    @admin.display(description="thread", ordering="thread_id")
    def thread_link(self, obj: Reply) -> str:
        return admin_link(obj.thread, obj.thread.title or obj.thread.thread_id)

    @admin.display(description="thread / user", ordering="thread_id")
    def thread_and_user(self, obj: Reply) -> str:
        # Both are cut to the column's width (the reply list's CSS); the whole of each shows on hover.
        name = obj.thread.title or obj.thread.thread_id
        url = reverse("admin:chatkit_app_thread_change", args=[obj.thread.pk])
        user = obj.user_id
        return format_html(
            '<a href="{}" title="{}">{}</a><br><span class="quiet" title="{}">{}</span>', url, name, name, user, user
        )

    @admin.display(description="model / outcome", ordering="model")
    def model_and_outcome(self, obj: Reply) -> str:
        ended = obj.get_outcome_display()
        if obj.outcome == Reply.Outcome.DONE:
            return format_html('{}<br><span class="quiet">{}</span>', obj.model, ended)
        code = f" ({obj.error_code})" if obj.error_code else ""
        return format_html("{}<br><strong>{}{}</strong>", obj.model, ended, code)

    @admin.display(description="started", ordering="started_at")
    def started(self, obj: Reply) -> str:
        # Short enough for the list to fit a laptop's screen; the year only when it is not this one.
        when = timezone.localtime(obj.started_at)
        return date_format(when, "j M, H:i" if when.year == timezone.localdate().year else "j M Y, H:i")

    @admin.display(description="tokens in / out", ordering="input_tokens")
    def tokens(self, obj: Reply) -> str:
        if obj.offline:
            words = '{} / {}<br><span class="quiet" title="The offline planner counts words, not tokens">words</span>'
            return format_html(words, f"{obj.input_tokens:,}", f"{obj.output_tokens:,}")
        cached = f"{obj.cached_tokens:,} of them cached" if obj.cached_tokens else "none cached"
        return format_html('<span title="{}">{}</span> / {}', cached, f"{obj.input_tokens:,}", f"{obj.output_tokens:,}")

    @admin.display(description="cost", ordering="cost")
    def cost_usd(self, obj: Reply) -> str:
        return "no price" if obj.cost is None else usd(obj.cost)

    @admin.display(description="ms to 1st token / total", ordering="total_ms")
    def timings(self, obj: Reply) -> str:
        first = "-" if obj.first_token_ms is None else f"{obj.first_token_ms:,}"
        return f"{first} / {obj.total_ms:,}"
