"""The Django admin for ChatKit records: threads (with a readable transcript), items, feedback, attachments.

These rows are records of conversations, so nothing here is editable; a superuser may
delete a thread, and its items and their feedback go with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, get_args

from chatkit.types import Attachment as SDKAttachment
from chatkit.types import ThreadItem, ThreadStatus
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from chatkit_app.models import Attachment, Feedback, Item, Thread

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations

# A thread page renders at most this many items; the items changelist has the rest.
TRANSCRIPT_LIMIT = 500

# Keys every item has; the transcript shows them in the item's heading instead.
_ITEM_KEYS = {"id", "thread_id", "created_at", "type"}


def _sdk_types(union: Any) -> list[str]:
    """The `type` values of an SDK discriminated union (every ThreadItem type, every status)."""
    return [model.model_fields["type"].default for model in get_args(get_args(union)[0])]


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _pre(value: Any) -> str:
    return format_html("<pre>{}</pre>", _json(value))


def _admin_link(obj: Any, text: str) -> str:
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text)


# --- filters -------------------------------------------------------------------


class _SDKValuesFilter(admin.SimpleListFilter):
    """Choices taken from the SDK, so the sidebar costs no SELECT DISTINCT over a large table."""

    values: list[str] = []
    parameter_name: str  # each filter names its own

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(value, value) for value in self.values]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{self.parameter_name: self.value()}) if self.value() else queryset


class ThreadStatusFilter(_SDKValuesFilter):
    title = parameter_name = "status"
    values = _sdk_types(ThreadStatus)


class ItemTypeFilter(_SDKValuesFilter):
    title = parameter_name = "type"
    values = _sdk_types(ThreadItem)


class AttachmentTypeFilter(_SDKValuesFilter):
    title = parameter_name = "type"
    values = _sdk_types(SDKAttachment)


# --- the read-only base --------------------------------------------------------


class _ColumnsChangeList(ChangeList):
    model_admin: RecordAdmin  # the changelist of `RecordAdmin`s only

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet:
        qs = super().get_queryset(request, exclude_parameters)
        return qs.defer(*self.model_admin.list_defer)


class RecordAdmin(admin.ModelAdmin):
    """Read-only: viewable by staff with the view permission, never added or changed here."""

    # Changelists show columns only; the JSON (a widget can be large) stays in the database.
    list_defer: tuple[str, ...] = ("data",)
    show_full_result_count = False  # spares a COUNT(*) of the whole table on filtered pages
    list_per_page = 50

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return _ColumnsChangeList

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="data")
    def pretty_data(self, obj: Any) -> str:
        return _pre(obj.data)


# --- threads -------------------------------------------------------------------


@dataclass
class _Part:
    label: str
    body: str
    is_json: bool = False


def _text(content: Any) -> str:
    parts = content if isinstance(content, list) else []
    return "\n\n".join(str(part.get("text", "")) for part in parts if isinstance(part, dict))


def transcript_parts(data: dict[str, Any]) -> list[_Part]:
    """What the transcript shows of one item: messages as text, everything else as JSON."""
    kind = data.get("type")
    if kind == "user_message":
        parts = [_Part("quoted", data["quoted_text"])] if data.get("quoted_text") else []
        parts.append(_Part("", _text(data.get("content"))))
        if data.get("attachments"):
            parts.append(_Part("attachments", _json([a.get("name") for a in data["attachments"]]), True))
        return parts
    if kind == "assistant_message":
        parts = [_Part("", _text(data.get("content")))]
        content = [part for part in data.get("content") or [] if isinstance(part, dict)]
        sources = [annotation for part in content for annotation in part.get("annotations") or []]
        return parts + ([_Part("sources", _json(sources), True)] if sources else [])
    if kind == "client_tool_call":
        return [
            _Part("tool", f"{data.get('name')} ({data.get('status')})"),
            _Part("arguments", _json(data.get("arguments")), True),
            _Part("output", _json(data.get("output")), True),
        ]
    return [_Part("", _json({k: v for k, v in data.items() if k not in _ITEM_KEYS}), True)]


class _ItemCount(TypedDict):
    item_count: int  # annotated by `ThreadAdmin.get_queryset`


@admin.register(Thread)
class ThreadAdmin(RecordAdmin):
    list_display = ("thread_id", "title", "user_id", "item_count", "status", "created_at", "updated_at")
    list_filter = (ThreadStatusFilter, "created_at")
    # Exact ids use the indexes; a title is found anywhere in it.
    search_fields = ("thread_id__exact", "user_id__exact", "title__icontains")
    search_help_text = "A thread id or user id (exact), or words of the title."
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
        return _pre(obj.data)

    @admin.display(description="transcript")
    def transcript(self, obj: Thread) -> str:
        rows = list(
            Item.objects.filter(thread_id=obj.thread_id)
            .order_by("created_at", "seq")
            .values("seq", "item_id", "type", "created_at", "data")[: TRANSCRIPT_LIMIT + 1]
        )
        entries = [
            {
                **row,
                "url": reverse("admin:chatkit_app_item_change", args=[row["seq"]]),
                "parts": transcript_parts(row["data"]),
            }
            for row in rows[:TRANSCRIPT_LIMIT]
        ]
        context = {
            "entries": entries,
            "more": len(rows) > TRANSCRIPT_LIMIT,
            "limit": TRANSCRIPT_LIMIT,
            "items_url": reverse("admin:chatkit_app_item_changelist") + "?" + urlencode({"q": obj.thread_id}),
        }
        return render_to_string("admin/chatkit_app/transcript.html", context)


# --- items, feedback, attachments ----------------------------------------------


@admin.register(Item)
class ItemAdmin(RecordAdmin):
    list_display = ("item_id", "thread_link", "type", "user_id", "created_at")
    list_filter = (ItemTypeFilter, "created_at")
    list_select_related = ("thread",)
    list_defer = ("data", "thread__data")
    search_fields = ("item_id__exact", "thread__thread_id__exact")
    search_help_text = "An item id or a thread id (exact)."
    ordering = ("-created_at", "-seq")
    fields = readonly_fields = ("item_id", "thread", "type", "user_id", "created_at", "pretty_data")

    @admin.display(description="thread", ordering="thread_id")
    def thread_link(self, obj: Item) -> str:
        return _admin_link(obj.thread, obj.thread.thread_id)


@admin.register(Feedback)
class FeedbackAdmin(RecordAdmin):
    list_display = ("kind", "item_link", "thread_link", "user_id", "created_at")
    list_filter = ("kind", "created_at")
    list_select_related = ("item__thread",)
    list_defer = ("item__data", "item__thread__data")
    search_fields = ("item__item_id__exact", "item__thread__thread_id__exact", "user_id__exact")
    search_help_text = "An item id, thread id or user id (exact)."
    ordering = ("-created_at", "-id")
    fields = readonly_fields = ("kind", "item_link", "thread_link", "user_id", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The change page names the item and thread too: one query, not three.
        return super().get_queryset(request).select_related("item__thread")

    @admin.display(description="item", ordering="item__item_id")
    def item_link(self, obj: Feedback) -> str:
        return _admin_link(obj.item, obj.item.item_id)

    @admin.display(description="thread", ordering="item__thread_id")
    def thread_link(self, obj: Feedback) -> str:
        return _admin_link(obj.item.thread, obj.item.thread.thread_id)


@admin.register(Attachment)
class AttachmentAdmin(RecordAdmin):
    list_display = ("attachment_id", "name", "mime_type", "user_id", "thread_id", "created_at")
    list_filter = (AttachmentTypeFilter, "created_at")
    search_fields = ("attachment_id__exact", "user_id__exact", "thread_id__exact", "name__icontains")
    search_help_text = "An attachment, user or thread id (exact), or words of the name."
    ordering = ("-created_at",)
    fields = readonly_fields = (
        "attachment_id", "name", "mime_type", "type", "user_id", "thread_id", "created_at", "pretty_data",
    )  # fmt: skip


# Client tokens and replies in progress have admins of their own.
from chatkit_app.identity import admin as token_admin  # noqa: E402,F401
from chatkit_app.runs import admin as runs_admin  # noqa: E402,F401
