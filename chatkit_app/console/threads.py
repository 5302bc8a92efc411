"""The Django admin of threads: the list an operator searches, and a thread's page to read it as its user saw it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from chatkit_app.console.records import RecordAdmin, ThreadStatusFilter, pre
from chatkit_app.console.transcript import render as render_transcript
from chatkit_app.models import Feedback, Item, Thread

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations


class _ItemCount(TypedDict):
    item_count: int  # annotated by `ThreadAdmin.get_queryset`


@admin.register(Thread)
class ThreadAdmin(RecordAdmin):
    # --- the list ---
    list_display = ("thread_id", "title", "user_id", "item_count", "status", "created_at", "updated_at")
    list_filter = (ThreadStatusFilter, "created_at")
    # Exact ids use the indexes; a title is found anywhere in it.
    search_fields = ("thread_id__exact", "user_id__exact", "title__icontains")
    search_help_text = "A thread id or user id (exact), or words of the title."
    # --- a thread's page ---
    fields = readonly_fields = (
        "thread_id", "title", "user_id", "status", "created_at", "updated_at", "item_count", "metadata", "transcript",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # A correlated COUNT per row shown (an index scan on item_thread_created), not a join of all items.
        per_thread = (
            Item.objects.filter(thread=OuterRef("thread_id"))
            .order_by()
            .values("thread")
            .annotate(n=Count("*"))
            .values("n")
        )
        count = Coalesce(Subquery(per_thread, output_field=IntegerField()), 0)
        return super().get_queryset(request).annotate(item_count=count)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[list, dict, set, list]:
        # The default lists every item and feedback (a query each to name it), and refuses because
        # items cannot be deleted on their own here. Only superusers get this far: count instead.
        threads = list(objs)
        ids = [thread.thread_id for thread in threads]
        items = Item.objects.filter(thread__in=ids).count()
        feedback = Feedback.objects.filter(item__thread__in=ids).count()
        names = [f"Thread: {thread}" for thread in threads]
        counts = {"threads": len(threads), "items": items, "feedback": feedback}
        return names, counts, set(), []

    @admin.display(description="items", ordering="item_count")
    def item_count(self, obj: WithAnnotations[Thread, _ItemCount]) -> int:
        return obj.item_count

    @admin.display(description="metadata")
    def metadata(self, obj: Thread) -> str:
        return pre(obj.data)

    @admin.display(description="transcript")
    def transcript(self, obj: Thread) -> str:
        return render_transcript(obj)
