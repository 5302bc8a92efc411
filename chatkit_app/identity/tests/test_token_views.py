"""`POST /chatkit/token/start` and `/chatkit/token/refresh`: server-to-server, with the server key."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from chatkit_app.models import ClientToken
from chatkit_app.testing.protocol import bearer, proxy_headers

pytestmark = pytest.mark.django_db(transaction=True)


def server_key() -> dict[str, str]:
    return bearer(settings.MERAK_SERVER_API_KEY)


async def post(async_client, path: str, body, headers: dict[str, str]):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return await async_client.post(path, data=data, content_type="application/json", headers=headers)


async def test_start_issues_a_client_secret_for_the_user(async_client, chatkit, settings):
    settings.MERAK_CLIENT_TOKEN_TTL_SECONDS = 120

    response = await post(async_client, "/chatkit/token/start", {"user_id": "alice"}, server_key())

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"client_secret", "expires_at"}
    assert abs(body["expires_at"] - (time.time() + 120)) < 5
    row = await ClientToken.objects.aget()
    assert row.user_id == "alice" and body["client_secret"] not in row.secret_hash
    reply = await chatkit({"type": "threads.list", "params": {}}, headers=bearer(body["client_secret"]))
    assert reply.status == 200


async def test_refresh_answers_a_new_secret_and_revokes_the_old(async_client, chatkit, issue_token):
    old = await issue_token("alice")

    response = await post(async_client, "/chatkit/token/refresh", {"client_secret": old}, server_key())

    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    new = response.json()["client_secret"]
    assert new != old
    assert (await chatkit({"type": "threads.list", "params": {}}, headers=bearer(new))).status == 200
    refused = await chatkit({"type": "threads.list", "params": {}}, headers=bearer(old))
    assert refused.status == 401 and refused.json["error"]["code"] == "token_revoked"


async def test_refreshing_a_rotated_secret_again_revokes_its_successor(async_client, chatkit, issue_token):
    old = await issue_token("alice")
    new = (await post(async_client, "/chatkit/token/refresh", {"client_secret": old}, server_key())).json()[
        "client_secret"
    ]

    reuse = await post(async_client, "/chatkit/token/refresh", {"client_secret": old}, server_key())

    assert reuse.status_code == 401 and reuse.json()["error"]["code"] == "token_revoked"
    reply = await chatkit({"type": "threads.list", "params": {}}, headers=bearer(new))
    assert reply.status == 401 and reply.json["error"]["code"] == "token_revoked"


@pytest.mark.parametrize("path", ["/chatkit/token/start", "/chatkit/token/refresh"])
@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_credentials"),
        ({"Authorization": "Bearer not-the-key"}, "invalid_server_key"),
        ({"Authorization": f"Basic {settings.MERAK_SERVER_API_KEY}"}, "missing_credentials"),
        ({"X-User-ID": "alice"}, "missing_credentials"),
    ],
    ids=["none", "wrong key", "not bearer", "user header only"],
)
async def test_token_endpoints_need_the_server_key(async_client, transactional_db, path, headers, code):
    response = await post(async_client, path, {"user_id": "alice", "client_secret": "x"}, headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not await ClientToken.objects.aexists()


async def test_a_client_secret_is_not_the_server_key(async_client, issue_token):
    secret = await issue_token("alice")

    response = await post(async_client, "/chatkit/token/start", {"user_id": "mallory"}, bearer(secret))

    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_server_key"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{nope", "invalid_json"),
        (b"[" * 100_000, "invalid_json"),
        (b'["alice"]', "invalid_request"),
        ({}, "invalid_user_id"),
        ({"user_id": 7}, "invalid_user_id"),
        ({"user_id": ""}, "invalid_user_id"),
        ({"user_id": "<script>"}, "invalid_user_id"),
        ({"user_id": "a" * 129}, "invalid_user_id"),
        ({"user_id": "alice\n"}, "invalid_user_id"),
    ],
)
async def test_start_refuses_a_bad_body(async_client, transactional_db, body, code):
    response = await post(async_client, "/chatkit/token/start", body, server_key())

    assert response.status_code == 400 and response.json()["error"]["code"] == code
    assert not await ClientToken.objects.aexists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid_request"),
        ({"client_secret": 5}, 400, "invalid_request"),
        ({"client_secret": "mct_unknown"}, 401, "token_unknown"),
    ],
)
async def test_refresh_refuses_a_bad_body(async_client, transactional_db, body, status, code):
    response = await post(async_client, "/chatkit/token/refresh", body, server_key())

    assert response.status_code == status and response.json()["error"]["code"] == code


async def test_refresh_of_a_long_expired_secret_is_refused(async_client, issue_token, settings):
    settings.MERAK_CLIENT_TOKEN_REFRESH_GRACE_SECONDS = 60
    old = await issue_token("alice", expires_at=timezone.now() - timedelta(seconds=61))

    response = await post(async_client, "/chatkit/token/refresh", {"client_secret": old}, server_key())

    assert response.status_code == 401 and response.json()["error"]["code"] == "token_expired"


@pytest.mark.parametrize("path", ["/chatkit/token/start", "/chatkit/token/refresh"])
async def test_token_endpoints_only_accept_post(async_client, path):
    response = await async_client.get(path, headers=proxy_headers())

    assert response.status_code == 405 and response.headers["Allow"] == "POST"
