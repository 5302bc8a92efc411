"""Reads the user's locale from the run context, which tools may use but never require."""

from __future__ import annotations

from typing import Any

from agents import RunContextWrapper


def request_locale(ctx: RunContextWrapper[Any] | None) -> str | None:
    """The locale ("en-GB") of the ChatKit request behind this run, or None when there is none.

    At run time the context is chatkit's `AgentContext`, whose `request_context` carries the
    locale; tests and scripts may pass the request context itself, or nothing at all.
    """
    context = getattr(ctx, "context", None)
    request = getattr(context, "request_context", context)
    locale = getattr(request, "locale", None)
    return locale if isinstance(locale, str) and locale.strip() else None
