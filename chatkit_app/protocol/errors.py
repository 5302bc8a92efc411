"""The one mapping from exceptions to JSON errors on the `/chatkit` surface, and `json_endpoint`, the
decorator that applies it to every JSON view.

Every error leaves as `{"error": {"code": ..., "message": ...}}` with a fitting
status, never an HTML page or a stack trace.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from chatkit.store import NotFoundError
from django.core.exceptions import RequestDataTooBig, SuspiciousMultipartForm, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError

from merak_project import request_log
from merak_project.runtime.db_threads import ahead_of_streams

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """A domain error with a machine-readable code, an HTTP status, and any headers it needs."""

    status = 400
    code = "invalid_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}  # e.g. Retry-After (429) or WWW-Authenticate (401)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class InvalidRequest(ApiError):
    status, code = 400, "invalid_request"


class NotFound(ApiError):
    status, code = 404, "not_found"


class ServiceDisabled(ApiError):
    status, code = 503, "chatkit_disabled"


class NotSupported(ApiError):
    status, code = 501, "not_supported"


class ShuttingDown(ApiError):
    """This worker is draining its replies before it stops: another one takes new ones."""

    status, code = 503, "shutting_down"

    def __init__(self) -> None:
        super().__init__("This server is restarting; try again in a moment.", headers={"Retry-After": "1"})


class DatabaseUnavailable(ApiError):
    status, code = 503, "database_unavailable"

    # How long a client should wait before trying again: the database is down,
    # restarting or failing over, or (SQLite) locked by a long write.
    RETRY_AFTER_SECONDS = 5

    def __init__(self) -> None:
        super().__init__(
            "The database is not answering; try again shortly.",
            headers={"Retry-After": str(self.RETRY_AFTER_SECONDS)},
        )


def error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _validation_error(exc: ValidationError) -> ApiError:
    first = exc.errors(include_url=False, include_input=False)[0]
    kind = first["type"]
    where = ".".join(str(part) for part in first["loc"])
    if kind == "json_invalid":
        return InvalidRequest("The request body is not valid JSON.", code="invalid_json")
    if kind == "union_tag_invalid":
        return InvalidRequest("Unknown request type.", code="unknown_request_type")
    if kind in ("union_tag_not_found", "model_type", "model_attributes_type", "dict_type"):
        return InvalidRequest("The request must be a JSON object with a `type`.", code="invalid_request")
    return InvalidRequest(f"Invalid request: {first['msg']}" + (f" at `{where}`." if where else "."))


def to_api_error(exc: Exception) -> ApiError:
    """Translate anything raised while handling a request into an `ApiError`."""
    match exc:
        case ApiError():
            return exc
        case ValidationError():
            return _validation_error(exc)
        case NotFoundError():
            return NotFound(str(exc) or "Not found.")
        case RequestDataTooBig():
            return ApiError("The request body is too large.", code="payload_too_large", status=413)
        case MultiPartParserError() | SuspiciousMultipartForm() | TooManyFieldsSent() | TooManyFilesSent():
            return InvalidRequest(f"The upload is not valid multipart/form-data: {exc}")
        case OperationalError() | InterfaceError():
            # The database is unreachable or refused the connection (an outage, a failover, a
            # full pool): the server is fine, so no traceback per request, but one line to alert on.
            logger.warning("database unavailable: %s", (str(exc).strip().splitlines() or [type(exc).__name__])[0])
            return DatabaseUnavailable()
        case NotImplementedError():
            return NotSupported("This request type is not supported by this server.")
        case ValueError():
            # The SDK raises ValueError for requests that make no sense for the
            # thread's state (retry of a non-user message, tool output with no
            # pending call, ...).
            return InvalidRequest(str(exc) or "Invalid request.")
    logger.exception("Unhandled error on the ChatKit surface", exc_info=exc)
    return ApiError("The server failed to handle this request.", code="internal_error", status=500)


def response_for(error: ApiError) -> JsonResponse:
    response = error_response(error.status, error.code, error.message)
    for name, value in error.headers.items():
        response[name] = value
    return response


# An async view, as Django's `path()` takes it (a coroutine function answering any response:
# JSON, streaming, a file).
AsyncView = Callable[..., Coroutine[Any, Any, HttpResponseBase]]


def json_endpoint(*methods: str, any_origin: bool = False) -> Callable[[AsyncView], AsyncView]:
    """Allow only `methods` (405 JSON otherwise) and turn any exception into a JSON error.

    These endpoints are called by servers with their own credentials, never
    with a browser session, so CSRF does not apply. Their database work goes
    ahead of that of responses already streaming (`db_threads.ahead_of_streams`).

    `any_origin`: for signed (capability) URLs, whose signature is the
    credential and which carry no cookie, usable from any origin (a ChatKit
    frame, a frontend on another host): a CORS preflight is answered here, and
    every answer, errors too, allows any origin.
    """

    def decorate(view: AsyncView) -> AsyncView:
        async def respond(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if any_origin and request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Access-Control-Allow-Methods"] = ", ".join((*methods, "OPTIONS"))
                response["Access-Control-Allow-Headers"] = "Content-Type"
                response["Access-Control-Max-Age"] = "600"
                return response
            if request.method not in methods:
                response = error_response(405, "method_not_allowed", f"Use {' or '.join(methods)}.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                with ahead_of_streams():
                    return await view(request, *args, **kwargs)
            except Exception as exc:
                error = to_api_error(exc)
                request_log.annotate(request, error=error.code)
                return response_for(error)

        @csrf_exempt
        @functools.wraps(view)
        async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response = await respond(request, *args, **kwargs)
            if any_origin:
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapper

    return decorate
