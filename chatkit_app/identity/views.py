"""Client tokens, server to server: `POST /chatkit/token/start` and `/chatkit/token/refresh`."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from chatkit_app.identity import tokens
from chatkit_app.identity.auth import server_key_required, valid_user_id
from chatkit_app.protocol.errors import InvalidRequest, json_endpoint
from merak_project import request_log


def _json_object(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):
        raise InvalidRequest("The request body is not valid JSON.", code="invalid_json") from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return body


def _token_response(issued: tokens.IssuedToken) -> JsonResponse:
    response = JsonResponse(issued.as_json())
    response["Cache-Control"] = "no-store"  # it carries a secret
    return response


@json_endpoint("POST")
@server_key_required
async def token_start(request: HttpRequest) -> HttpResponse:
    """`{"user_id"}` -> a new client secret for that user (server to server, with the server key)."""
    user_id = valid_user_id(_json_object(request).get("user_id"))
    request_log.annotate(request, user_id=user_id)
    return _token_response(await tokens.aissue(user_id))


@json_endpoint("POST")
@server_key_required
async def token_refresh(request: HttpRequest) -> HttpResponse:
    """`{"client_secret"}` -> its successor; the presented secret is revoked (server to server)."""
    secret = _json_object(request).get("client_secret")
    if not isinstance(secret, str) or not secret:
        raise InvalidRequest("`client_secret` must be the current client secret.")
    issued = await tokens.arefresh(secret)
    request_log.annotate(request, user_id=issued.token.user_id)
    return _token_response(issued)
