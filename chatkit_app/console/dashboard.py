"""The usage dashboard in the admin: tokens and cost per day, top users, models, feedback and unfinished runs.

It is the changelist of `Usage`, a proxy of replies, so it is listed on the
admin's index and sidebar like any model, at `admin:chatkit_app_usage_changelist`.
Whoever may view replies may view it. The period comes from the query string:
`?days=7|30|90` (30 by default) or `?start=YYYY-MM-DD&end=YYYY-MM-DD`.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from chatkit_app.console import charts
from chatkit_app.console.usage import Period, figures
from chatkit_app.models import Feedback, Reply, Usage

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
LONGEST = 366  # days in a custom period: a bar a day still reads


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(choices=[(n, f"Last {n} days") for n in PRESETS], coerce=int, required=False)
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if self.errors or (start is None and end is None):
            return data
        if start is None:
            raise forms.ValidationError("Give the first day of the period too.")
        end = end or timezone.localdate()
        if start > end:
            raise forms.ValidationError("The period starts after it ends.")
        if (end - start).days >= LONGEST:
            raise forms.ValidationError(f"A period of at most {LONGEST} days, please.")
        data["end"] = end
        return data

    def chosen(self, today: date) -> tuple[Period, int | None]:
        """The period asked for, and its preset (None for a custom one); the last 30 days if none is valid."""
        if self.is_valid() and self.cleaned_data["start"]:
            return Period(self.cleaned_data["start"], self.cleaned_data["end"]), None
        days = (self.is_valid() and self.cleaned_data["days"]) or DEFAULT_DAYS
        return Period.last(days, today), days


@admin.register(Usage)
class UsageAdmin(admin.ModelAdmin):
    def get_urls(self) -> list[URLPattern]:
        # The dashboard only: no object pages for a proxy whose rows are replies.
        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(self.changelist_view), name=name)]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.admin_site.get_model_admin(Reply).has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PeriodForm(request.GET)
        period, preset = form.chosen(timezone.localdate())
        shown = figures(period)
        context = {
            **self.admin_site.each_context(request),
            "title": "Usage",
            "subtitle": f"{period.start:%-d %b %Y} – {period.end:%-d %b %Y}",
            "opts": self.opts,
            "form": form,
            "presets": [(days, f"?days={days}", days == preset) for days in PRESETS],
            "figures": shown,
            "tokens_chart": charts.tokens_per_day(shown.days),
            "cost_chart": charts.cost_per_day(shown.days),
            "users": [(user, user_threads_url(user.user_id)) for user in shown.users],
            "unfinished": [
                (run, reverse("admin:chatkit_app_thread_change", args=[run.thread_pk])) for run in shown.unfinished
            ],
            "outcomes": [
                (outcome, count, _changelist_url("reply", period, "started_at", outcome__exact=outcome))
                for outcome, count in shown.outcomes.items()
            ],
            "feedback_url": _changelist_url("feedback", period, "created_at"),
            "negative_feedback_url": _changelist_url("feedback", period, "created_at", kind=Feedback.Kind.NEGATIVE),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/chatkit_app/usage_dashboard.html", context)


def user_threads_url(user_id: str) -> str:
    """The thread list narrowed to one user's threads."""
    return reverse("admin:chatkit_app_thread_changelist") + "?" + urlencode({"user_id": user_id})


def _changelist_url(model: str, period: Period, field: str, **filters: str) -> str:
    """A changelist narrowed to the period (by its date `field`) and to `filters`."""
    start, end = period.bounds  # aware, as the admin's own date filter writes them
    query = {f"{field}__gte": str(start), f"{field}__lt": str(end)}
    return reverse(f"admin:chatkit_app_{model}_changelist") + "?" + urlencode({**query, **filters})
