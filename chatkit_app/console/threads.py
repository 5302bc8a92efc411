"""The Django admin of threads: the list an operator searches, and a thread's page to read it as its user saw it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin
from django.contrib.admin.utils import display_for_value, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.html import format_html
from django.utils.http import content_disposition_header

from chatkit_app.console import exports, thread_filters, thread_list
from chatkit_app.console.attachment_files import attachment_file
from chatkit_app.console.records import RecordAdmin, ThreadStatusFilter, pre, pretty_json
from chatkit_app.console.search import threads_matching
from chatkit_app.console.transcript import render as render_transcript
from chatkit_app.models import Feedback, Item, Thread

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations


class _ItemCount(TypedDict):
    item_count: int  # annotated by `ThreadAdmin.get_queryset`


@admin.register(Thread)
class ThreadAdmin(RecordAdmin):
    # --- the list ---
    list_display = thread_list.COLUMNS
    paginator = thread_list.FiguresOfThePageOnly
    list_display_links = None  # the title is the link (`thread_list.thread`), its id in a tooltip
    list_filter = (*thread_filters.LIST_FILTER, ThreadStatusFilter)
    ordering = ("-updated_at",)  # last activity, newest first: the index `thread_activity`
    show_facets = admin.ShowFacets.NEVER  # counts per filter choice would visit every thread
    search_fields = ("thread_id",)  # shows the search box; `get_search_results` searches
    search_help_text = "Words said in the thread or its title, or a thread or user id (exact)."

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        return threads_matching(queryset, search_term), False  # each thread once: no duplicates to remove

    # --- a thread's page ---
    # Its fields, then its transcript and exports (`render_change_form`, templates/admin/chatkit_app/thread/).
    fields = readonly_fields = ("thread_id", "title", "user_id", "status", "created_at", "last_active", "metadata")

    def get_urls(self) -> list[URLPattern]:
        view, name = self.admin_site.admin_view, f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/export.md", view(self.export_markdown), name=f"{name}_export_markdown"),
            path("<path:object_id>/export.json", view(self.export_json), name=f"{name}_export_json"),
            path("<path:object_id>/attachments/<str:attachment_id>/", view(self.attachment), name=f"{name}_attachment"),
            path("<path:object_id>/items/<int:seq>.json", view(self.item_json), name=f"{name}_item_json"),
            *super().get_urls(),
        ]

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], add: bool = False, change: bool = False,
        form_url: str = "", obj: Thread | None = None,
    ) -> HttpResponse:  # fmt: skip
        if obj is not None:
            context["transcript"] = render_transcript(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _viewable(self, request: HttpRequest, object_id: str) -> Thread:
        thread = self.get_object(request, unquote(object_id))
        if thread is None:
            raise Http404("No such thread.")
        if not self.has_view_permission(request, thread):
            raise PermissionDenied
        return thread

    def export_markdown(self, request: HttpRequest, object_id: str) -> HttpResponse:
        thread = self._viewable(request, object_id)
        return _download(exports.thread_markdown(thread), "text/markdown", f"{thread.thread_id}.md")

    def export_json(self, request: HttpRequest, object_id: str) -> HttpResponse:
        thread = self._viewable(request, object_id)
        body = json.dumps(exports.thread_json(thread), ensure_ascii=False, indent=2, default=str)
        return _download(body, "application/json", f"{thread.thread_id}.json")

    def item_json(self, request: HttpRequest, object_id: str, seq: int) -> HttpResponse:
        """One item's JSON, as stored: what the transcript's "JSON" shows when opened."""
        thread = self._viewable(request, object_id)
        data = Item.objects.filter(thread_id=thread.thread_id, seq=seq).values_list("data", flat=True).first()
        if data is None:
            raise Http404("No such item in this thread.")
        response = HttpResponse(pretty_json(data), content_type="application/json; charset=utf-8")
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def attachment(self, request: HttpRequest, object_id: str, attachment_id: str) -> FileResponse:
        return attachment_file(self._viewable(request, object_id), attachment_id)

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
        return thread_list.with_figures(super().get_queryset(request).annotate(item_count=count))

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

    @admin.display(description="last activity")
    def last_active(self, obj: Thread) -> str:
        return display_for_value(obj.updated_at, "")

    @admin.display(description="metadata")
    def metadata(self, obj: Thread) -> str:
        return format_html("<details><summary>ThreadMetadata JSON</summary>{}</details>", pre(obj.data))


def _download(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
