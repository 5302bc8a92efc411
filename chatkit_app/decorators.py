"""Cross-cutting parts of the JSON views, written once."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from . import request_log
from .database import ahead_of_streams
from .errors import error_response, response_for, to_api_error

AsyncView = Callable[..., Awaitable[HttpResponse]]


def json_endpoint(*methods: str) -> Callable[[AsyncView], AsyncView]:
    """Allow only `methods` (405 JSON otherwise) and turn any exception into a JSON error.

    These endpoints are called by servers with their own credentials, never
    with a browser session, so CSRF does not apply. Their database work goes
    ahead of that of responses already streaming (`database.ahead_of_streams`).
    """

    def decorate(view: AsyncView) -> AsyncView:
        @csrf_exempt
        @functools.wraps(view)
        async def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
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

        return wrapper

    return decorate


def any_origin(*methods: str) -> Callable[[AsyncView], AsyncView]:
    """For signed (capability) URLs, whose signature is the credential and which carry no cookie:
    usable from any origin, such as a ChatKit frame or a frontend on another host. Answers a CORS
    preflight itself and marks every answer, errors too."""

    def decorate(view: AsyncView) -> AsyncView:
        @functools.wraps(view)
        async def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Access-Control-Allow-Methods"] = ", ".join((*methods, "OPTIONS"))
                response["Access-Control-Allow-Headers"] = "Content-Type"
                response["Access-Control-Max-Age"] = "600"
            else:
                response = await view(request, *args, **kwargs)
            response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapper

    return decorate
