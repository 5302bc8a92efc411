"""The read-only admin every ChatKit record shares, and the admins of items, feedback and attachments.

These rows are records of conversations, so nothing here is editable; a superuser may
delete a thread (`console.threads`), and its items and their feedback go with it.
"""

from __future__ import annotations

import json
from typing import Any, get_args

from chatkit.types import Attachment as SDKAttachment
from chatkit.types import ThreadItem, ThreadStatus
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from chatkit_app.models import Attachment, Feedback, Item


def _sdk_types(union: Any) -> list[str]:
    """The `type` values of an SDK discriminated union (every ThreadItem type, every status)."""
    return [model.model_fields["type"].default for model in get_args(get_args(union)[0])]


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def pre(value: Any) -> str:
    return format_html("<pre>{}</pre>", pretty_json(value))


def admin_link(obj: Any, text: str) -> str:
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
        return pre(obj.data)


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
        return admin_link(obj.thread, obj.thread.thread_id)


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
        return admin_link(obj.item, obj.item.item_id)

    @admin.display(description="thread", ordering="item__thread_id")
    def thread_link(self, obj: Feedback) -> str:
        return admin_link(obj.item.thread, obj.item.thread.thread_id)


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
