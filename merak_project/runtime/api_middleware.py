"""Django's browser middleware, stepped over on the JSON API paths; its security middleware, without thread hops.

Sessions, CSRF, authentication, messages, `APPEND_SLASH` and clickjacking
headers serve the admin. Under ASGI each of these sync middleware costs a
thread hop on the way in and another on the way out of every request: about a
dozen per `/chatkit` call, on the path to its first event. The API
(`/chatkit...`, `/healthz`) uses none of them (it authenticates with its own
credentials, sets no cookies and is CSRF-exempt), so these subclasses pass it
straight through and behave exactly like Django's everywhere else. Being
subclasses, they still satisfy the admin's checks for its middleware.

`SecurityMiddleware` is Django's, on every path, with its two halves (a
redirect decision and a few response headers, no I/O) run on the event loop
instead of each through a thread hop: a request through Django's handler
takes 632 µs of CPU instead of 880 (`bench/micro.py`).

Django's deployment checks (`check --deploy`) find its security, clickjacking
and CSRF middleware by their dotted names, and would report them missing and
skip the checks that depend on them. Those three warnings are silenced in
settings, and `deployment_checks` runs Django's middleware checks again, here,
counting each subclass as the Django class it extends.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.core import checks
from django.core.checks.security import base as security_checks
from django.core.checks.security import csrf as csrf_checks
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.middleware import clickjacking, common, csrf, security
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

API_PREFIXES = ("/chatkit", "/healthz")


def is_api(request: HttpRequest) -> bool:
    return is_api_path(request.path_info)


def is_api_path(path_info: str) -> bool:
    """Whether a path (without the script prefix) is the JSON API's."""
    return path_info.startswith(API_PREFIXES)


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


class SecurityMiddleware(security.SecurityMiddleware):
    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase | None = self.process_request(request)
        if response is None:
            # A cast, as above: in async mode `get_response` is a coroutine function.
            response = await cast("Awaitable[HttpResponseBase]", self.get_response(request))
        # A cast: the stubs take only an `HttpResponse`, where Django sets headers on any response.
        return self.process_response(request, cast("HttpResponse", response))


# Django's middleware that its deployment checks look for by name, and the checks that do.
_CHECKED_BY_NAME = (security.SecurityMiddleware, clickjacking.XFrameOptionsMiddleware, csrf.CsrfViewMiddleware)
_MIDDLEWARE_CHECKS = (
    security_checks.check_security_middleware,
    security_checks.check_xframe_options_middleware,
    security_checks.check_sts,
    security_checks.check_sts_include_subdomains,
    security_checks.check_sts_preload,
    security_checks.check_content_type_nosniff,
    security_checks.check_ssl_redirect,
    security_checks.check_xframe_deny,
    security_checks.check_referrer_policy,
    security_checks.check_cross_origin_opener_policy,
    csrf_checks.check_csrf_middleware,
    csrf_checks.check_csrf_cookie_secure,
)
# Silenced in settings (Django's own would be wrong about subclasses); reported here under Merak's ids.
MISSING_MIDDLEWARE = {"security.W001": "merak.W101", "security.W002": "merak.W102", "security.W003": "merak.W103"}


def _as_checked_by_name(path: str) -> str:
    middleware = import_string(path)
    for django_class in _CHECKED_BY_NAME:
        if isinstance(middleware, type) and issubclass(middleware, django_class):
            return f"{django_class.__module__}.{django_class.__qualname__}"
    return path


@checks.register(checks.Tags.security, deploy=True)
def deployment_checks(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Django's deployment checks of its security, clickjacking and CSRF middleware, subclasses counted."""
    from django.test.utils import override_settings  # only here: serving never loads Django's test tools

    with override_settings(MIDDLEWARE=[_as_checked_by_name(path) for path in settings.MIDDLEWARE]):
        found = [message for check in _MIDDLEWARE_CHECKS for message in check(app_configs)]
    return [_under_merak_id(message) for message in found]


def _under_merak_id(message: checks.CheckMessage) -> checks.CheckMessage:
    if message.id not in MISSING_MIDDLEWARE:
        return message
    renamed = copy.copy(message)  # a copy: Django's messages are module constants, which its own checks return
    renamed.id = MISSING_MIDDLEWARE[message.id]
    return renamed
