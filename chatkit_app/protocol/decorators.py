"""Cross-cutting parts of the JSON views, written once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from chatkit_app.protocol.errors import error_response, response_for, to_api_error
from merak_project import request_log
from merak_project.runtime.db_threads import ahead_of_streams

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
