"""The Django admin for replies in progress: which threads have one running, since when, and stopping them.

A reply in progress is a live thread lease (`guards.leases`); one whose
worker died shows until its lease lapses (9 s). Stopping sends the same
signal as a user's stop button, to whichever worker runs the reply.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from chatkit_app.models import RunningReply, Thread
from chatkit_app.runs import signals


@admin.register(RunningReply)
class RunningReplyAdmin(admin.ModelAdmin):
    list_display = ("thread_link", "user_id", "started_at", "running_for", "expires_at")
    search_fields = ("user_id__exact", "thread_id__exact")
    search_help_text = "A user or thread id (exact)."
    ordering = ("started_at",)
    actions = ["stop"]
    fields = readonly_fields = ("thread_id", "user_id", "started_at", "expires_at", "channel")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RunningReply]:
        return super().get_queryset(request).filter(expires_at__gt=timezone.now())

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing on a reply is editable; "change" permission only grants the stop action.
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description="Stop the selected replies (their partial replies are kept)", permissions=["change"])
    def stop(self, request: HttpRequest, queryset: QuerySet[RunningReply]) -> None:
        reachable = [(lease.channel, lease.holder) for lease in queryset if lease.channel]
        for channel, holder in reachable:
            async_to_sync(signals.send_cancel)(channel, holder)
        self.message_user(request, f"Asked {len(reachable)} reply(ies) to stop.", messages.SUCCESS)

    @admin.display(description="thread", ordering="thread_id")
    def thread_link(self, obj: RunningReply) -> str:
        thread = Thread.objects.filter(thread_id=obj.thread_id, user_id=obj.user_id).values_list("pk", flat=True)
        pk = thread.first()
        if pk is None:
            return obj.thread_id
        return format_html('<a href="{}">{}</a>', reverse("admin:chatkit_app_thread_change", args=[pk]), obj.thread_id)

    @admin.display(description="running for")
    def running_for(self, obj: RunningReply) -> str:
        if obj.started_at is None:
            return "-"
        return f"{(timezone.now() - obj.started_at).total_seconds():.0f} s"
