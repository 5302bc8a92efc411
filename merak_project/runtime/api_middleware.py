"""Django's browser middleware, stepped over on the JSON API paths.

Sessions, CSRF, authentication, messages, `APPEND_SLASH` and clickjacking
headers serve the admin. Under ASGI each of these sync middleware costs a
thread hop on the way in and another on the way out of every request: about a
dozen per `/chatkit` call, on the path to its first event. The API
(`/chatkit...`, `/healthz`) uses none of them (it authenticates with its own
credentials, sets no cookies and is CSRF-exempt), so these subclasses pass it
straight through and behave exactly like Django's everywhere else. Being
subclasses, they still satisfy the admin's checks for its middleware.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import sync_to_async
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.middleware import clickjacking, common, csrf
from django.utils.deprecation import MiddlewareMixin

API_PREFIXES = ("/chatkit", "/healthz")


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIXES)


class _SteppedOverOnApi(MiddlewareMixin):
    # Mixed in before a `MiddlewareMixin` subclass of Django's, so its `super()` is that class.
    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        if is_api(request):
            # A cast: `__acall__` runs in async mode only, where `get_response` is a coroutine function.
            return await cast("Awaitable[HttpResponseBase]", self.get_response(request))
        return await super().__acall__(request)


class SessionMiddleware(_SteppedOverOnApi, sessions.SessionMiddleware):
    pass


class CommonMiddleware(_SteppedOverOnApi, common.CommonMiddleware):
    pass


class AuthenticationMiddleware(_SteppedOverOnApi, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(_SteppedOverOnApi, messages.MessageMiddleware):
    pass


class XFrameOptionsMiddleware(_SteppedOverOnApi, clickjacking.XFrameOptionsMiddleware):
    pass


class CsrfViewMiddleware(_SteppedOverOnApi, csrf.CsrfViewMiddleware):
    # Django calls `process_view` itself (not through `__acall__`); a coroutine
    # here spares the API paths that hop too.
    # An override the stubs cannot express: they know `process_view` as a sync method only, while
    # Django awaits one that is a coroutine function (`BaseHandler.adapt_method_mode`).
    async def process_view(  # type: ignore[override]
        self,
        request: HttpRequest,
        callback: Callable[..., HttpResponseBase],
        callback_args: tuple[Any, ...],
        callback_kwargs: dict[str, Any],
    ) -> HttpResponseForbidden | None:
        if is_api(request):
            return None
        return await sync_to_async(super().process_view, thread_sensitive=True)(
            request, callback, callback_args, callback_kwargs
        )
