"""The Django admin for client tokens: who holds one, in what state, and a way to revoke them.

No secret is shown, because none is stored; the hash is left out too, since
it identifies nothing a person needs. Tokens are issued by the API only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from chatkit_app.identity import tokens
from chatkit_app.models import ClientToken


def state_of(token: ClientToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= timezone.now() else "active"


class TokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("active", "active"), ("expired", "expired"), ("revoked", "revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        match self.value():
            case "active":
                return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
            case "expired":
                return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
            case "revoked":
                return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ClientToken)
class ClientTokenAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user_link",
        "state",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_reason",
        "replaces_link",
    )
    list_filter = (TokenStateFilter, "revoked_reason", "created_at")
    search_fields = ("user_id__exact",)
    search_help_text = "A user id (exact). Click a user id to see only their tokens."
    ordering = ("-created_at", "-id")
    list_select_related = ("replaces",)
    show_full_result_count = False
    list_per_page = 50
    actions = ["revoke"]
    fields = readonly_fields = (
        "user_id", "state", "chain", "created_at", "expires_at", "last_used_at",
        "revoked_at", "revoked_reason", "replaces_link", "replaced_by_link",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing on a token is editable; "change" permission only grants the revoke action.
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description="Revoke selected tokens and their refresh chains", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = tokens.revoke_chains(queryset.values("chain"), ClientToken.RevokedReason.ADMIN)
        self.message_user(request, f"Revoked {count} live token(s).", messages.SUCCESS)

    @admin.display(description="state")
    def state(self, obj: ClientToken) -> str:
        return state_of(obj)

    @admin.display(description="user id", ordering="user_id")
    def user_link(self, obj: ClientToken) -> str:
        url = reverse("admin:chatkit_app_clienttoken_changelist") + "?" + urlencode({"user_id": obj.user_id})
        return format_html('<a href="{}">{}</a>', url, obj.user_id)

    @admin.display(description="replaces")
    def replaces_link(self, obj: ClientToken) -> str:
        return _token_link(obj.replaces)

    @admin.display(description="replaced by")
    def replaced_by_link(self, obj: ClientToken) -> str:
        return _token_link(ClientToken.objects.filter(replaces=obj).first())


def _token_link(token: ClientToken | None) -> str:
    if token is None:
        return "-"
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:chatkit_app_clienttoken_change", args=[token.pk]), token.pk
    )
