"""Who is calling `/chatkit`: builds the `RequestContext` from the request."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.http import HttpRequest

from .context import RequestContext
from .errors import InvalidRequest

ANONYMOUS = "anonymous"
_USER_ID = re.compile(r"^[A-Za-z0-9._:@+-]{1,128}$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_of(request: HttpRequest) -> str:
    """The caller's `X-Request-ID` when it is sane, else a fresh one."""
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex


def locale_of(request: HttpRequest) -> str:
    """The first language of `Accept-Language` (`en` when absent)."""
    header = request.headers.get("Accept-Language", "")
    first = header.split(",")[0].split(";")[0].strip()
    return first if re.match(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", first) else "en"


def request_context(request: HttpRequest) -> RequestContext:
    """For now the user comes from `X-User-ID` (default `anonymous`)."""
    user_id = request.headers.get("X-User-ID", "").strip() or ANONYMOUS
    if not _USER_ID.match(user_id):
        raise InvalidRequest("`X-User-ID` must be 1-128 letters, digits or `._:@+-`.", code="invalid_user_id")
    return RequestContext(
        user_id=user_id,
        request_id=getattr(request, "request_id", None) or request_id_of(request),
        locale=locale_of(request),
        feature_flags=frozenset(settings.MERAK_FEATURE_FLAGS),
    )
