"""Who is calling: the server key, client secrets, and the `RequestContext` built from them for each request.

`/chatkit` accepts two credentials, both as `Authorization: Bearer ...`:

- a client secret (`chatkit_app.tokens`): the user is the token's;
- the server key (`MERAK_SERVER_API_KEY`), for trusted server-side callers:
  the user is then named by `X-User-ID`.

`X-User-ID` without the server key is never believed. Anything else is a 401.
"""

from __future__ import annotations

import functools
import hmac
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from chatkit_app.identity import tokens
from chatkit_app.protocol.errors import ApiError, AsyncView, InvalidRequest
from merak_project import request_log

if TYPE_CHECKING:
    from chatkit_app.runs.usage import ReplyRecord

USER_ID_PATTERN = r"[A-Za-z0-9._:@+-]{1,128}"
_USER_ID = re.compile(USER_ID_PATTERN)
_BEARER = re.compile(r"Bearer +(\S+) *", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who is calling and what about: built once per `/chatkit` request."""

    user_id: str
    request_id: str = ""
    locale: str = "en"
    feature_flags: frozenset[str] = field(default_factory=frozenset)
    # Set for `threads.create`: the id of the thread it makes, chosen before it exists so that
    # its lease can be taken before the first event names it.
    new_thread_id: str | None = None
    # Set for a reply: what it costs and how it goes, written when it ends (`runs.usage`).
    reply: ReplyRecord | None = None


class Unauthenticated(ApiError):
    status, code = 401, "missing_credentials"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code, headers={"WWW-Authenticate": 'Bearer realm="merak"'})


def bearer_of(request: HttpRequest) -> str | None:
    """The credential of an `Authorization: Bearer ...` header, if there is one."""
    match = _BEARER.fullmatch(request.headers.get("Authorization", ""))
    return match.group(1) if match else None


def is_server_key(credential: str) -> bool:
    """Constant-time comparison with the configured server key."""
    key = settings.MERAK_SERVER_API_KEY
    return bool(key) and hmac.compare_digest(credential.encode("utf-8", "surrogatepass"), key.encode())


def valid_user_id(value: object, *, source: str = "`user_id`") -> str:
    """`value` when it is a user id (1-128 letters, digits or `._:@+-`); `InvalidRequest` otherwise."""
    if not isinstance(value, str) or not _USER_ID.fullmatch(value):
        raise InvalidRequest(f"{source} must be 1-128 letters, digits or `._:@+-`.", code="invalid_user_id")
    return value


def locale_of(request: HttpRequest) -> str:
    """The first language of `Accept-Language` (`en` when absent)."""
    header = request.headers.get("Accept-Language", "")
    first = header.split(",")[0].split(";")[0].strip()
    return first if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", first) else "en"


async def authenticated_user(request: HttpRequest) -> str:
    """The user this `/chatkit` request acts for, from its credentials; `ApiError` (401/400) otherwise."""
    credential = bearer_of(request)
    if credential is None:
        raise Unauthenticated("Send `Authorization: Bearer <client secret>`.")
    if is_server_key(credential):
        user_id = request.headers.get("X-User-ID")
        if user_id is None:
            raise InvalidRequest("Calls with the server key must name the user in `X-User-ID`.", code="missing_user_id")
        return valid_user_id(user_id, source="`X-User-ID`")
    return await tokens.aresolve(credential)


async def authenticate(request: HttpRequest) -> RequestContext:
    """The `RequestContext` of an authenticated `/chatkit` request."""
    user_id = await authenticated_user(request)
    request_log.annotate(request, user_id=user_id)
    return RequestContext(
        user_id=user_id,
        request_id=request_log.request_id(request),
        locale=locale_of(request),
        feature_flags=frozenset(settings.MERAK_FEATURE_FLAGS),
    )


def server_key_required(view: AsyncView) -> AsyncView:
    """Only callers presenting the server key reach `view` (the token endpoints)."""

    @functools.wraps(view)
    async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        credential = bearer_of(request)
        if credential is None:
            raise Unauthenticated("Send the server key as `Authorization: Bearer <MERAK_SERVER_API_KEY>`.")
        if not is_server_key(credential):
            raise Unauthenticated("This is not the server key.", code="invalid_server_key")
        return await view(request, *args, **kwargs)

    return wrapper
