"""System checks (`manage.py check`, and every server start) for identity and limits settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from merak_project.runtime import api_middleware  # noqa: F401  (registers Django's middleware deploy checks)


@register(Tags.security)
def server_key_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The development server key is public: never accept it with debug off."""
    if not settings.DEBUG and settings.MERAK_SERVER_API_KEY == settings.DEV_SERVER_API_KEY:
        return [
            Error(
                "MERAK_SERVER_API_KEY is the public development key while DJANGO_DEBUG is off.",
                hint="Set MERAK_SERVER_API_KEY to a long random value, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'",
                id="merak.E001",
            )
        ]
    return []


@register(Tags.caches)
def shared_cache_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Several workers on a per-process cache each count their own share of a user's requests, and a stop
    reaches only the worker it was sent to (the channel layer follows CACHE_URL)."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.CHATKIT_SERVER_WORKERS > 1 and backend.endswith("LocMemCache"):
        return [
            Warning(
                "Rate limits and open-stream counts are kept per worker process (local-memory cache), and a "
                "stop reaches a reply only on the worker that received it (in-memory channel layer).",
                hint="Point CACHE_URL at a Redis all workers share, e.g. redis://127.0.0.1:6379/0.",
                id="merak.W001",
            )
        ]
    return []
