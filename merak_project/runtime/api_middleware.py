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

from asgiref.sync import sync_to_async
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest
from django.middleware import clickjacking, common, csrf

API_PREFIXES = ("/chatkit", "/healthz")


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIXES)


class _SteppedOverOnApi:
    async def __acall__(self, request: HttpRequest):
        if is_api(request):
            return await self.get_response(request)
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
    async def process_view(self, request, callback, callback_args, callback_kwargs):
        if is_api(request):
            return None
        return await sync_to_async(super().process_view, thread_sensitive=True)(
            request, callback, callback_args, callback_kwargs
        )
