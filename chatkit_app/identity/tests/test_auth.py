"""Who may call `/chatkit`: the authentication matrix, and the checks on the server key."""

from __future__ import annotations

import hmac
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from chatkit_app import checks
from chatkit_app.identity import auth, tokens
from chatkit_app.models import ClientToken
from chatkit_app.testing.protocol import bearer, stored_rows

pytestmark = pytest.mark.django_db(transaction=True)

LIST = {"type": "threads.list", "params": {}}
PAST = timezone.now() - timedelta(seconds=1)


async def assert_refused(reply, status: int, code: str) -> None:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.json["error"]["code"] == code


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_credentials"),
        ({"X-User-ID": "alice"}, "missing_credentials"),
        ({"Authorization": "alice"}, "missing_credentials"),
        ({"Authorization": "Bearer"}, "missing_credentials"),
        ({"Authorization": f"Basic {settings.MERAK_SERVER_API_KEY}", "X-User-ID": "alice"}, "missing_credentials"),
        ({"Authorization": "Bearer mct_made-up"}, "token_unknown"),
        ({"Authorization": "Bearer " + "x" * 5000}, "token_unknown"),
        ({"Authorization": f"Bearer {settings.MERAK_SERVER_API_KEY}x", "X-User-ID": "alice"}, "token_unknown"),
    ],
    ids=["no header", "user header alone", "no scheme", "empty bearer", "basic", "unknown", "huge", "near key"],
)
async def test_requests_without_valid_credentials_are_401(chatkit, headers, code):
    before = await stored_rows()

    reply = await chatkit(LIST, headers=headers)

    await assert_refused(reply, 401, code)
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert await stored_rows() == before


async def test_an_expired_client_secret_is_401_token_expired(chatkit, issue_token):
    secret = await issue_token("alice", expires_at=PAST)

    await assert_refused(await chatkit(LIST, headers=bearer(secret)), 401, "token_expired")


async def test_a_revoked_client_secret_is_401_token_revoked(chatkit, issue_token):
    secret = await issue_token("alice", revoked_at=PAST, revoked_reason="admin")

    await assert_refused(await chatkit(LIST, headers=bearer(secret)), 401, "token_revoked")


async def test_a_rotated_client_secret_is_401_token_revoked(chatkit, issue_token):
    secret = await issue_token("alice")
    await tokens.arefresh(secret)

    await assert_refused(await chatkit(LIST, headers=bearer(secret)), 401, "token_revoked")


async def test_reuse_of_a_rotated_secret_locks_out_the_whole_chain(chatkit, issue_token):
    first = await issue_token("alice")
    second = (await tokens.arefresh(first)).client_secret
    with pytest.raises(tokens.TokenRevoked):
        await tokens.arefresh(first)  # the stolen copy is refreshed

    await assert_refused(await chatkit(LIST, headers=bearer(second)), 401, "token_revoked")


async def test_a_client_secret_acts_as_its_user(chatkit, create_thread, issue_token):
    thread_id, _ = await create_thread(user="alice")
    secret = await issue_token("alice")

    reply = await chatkit(LIST, headers=bearer(secret))

    assert reply.status == 200 and [t["id"] for t in reply.json["data"]] == [thread_id]


async def test_x_user_id_beside_a_client_secret_is_ignored(chatkit, create_thread, issue_token):
    thread_id, _ = await create_thread(user="alice")
    secret = await issue_token("bob")

    reply = await chatkit(LIST, headers={**bearer(secret), "X-User-ID": "alice"})

    assert reply.status == 200 and reply.json["data"] == []
    got = await chatkit(
        {"type": "threads.get_by_id", "params": {"thread_id": thread_id}},
        headers={**bearer(secret), "X-User-ID": "alice"},
    )
    assert got.status == 404


async def test_the_server_key_with_x_user_id_acts_as_that_user(chatkit, create_thread):
    thread_id, _ = await create_thread(user="alice")

    headers = {**bearer(settings.MERAK_SERVER_API_KEY), "X-User-ID": "alice"}
    reply = await chatkit(LIST, headers=headers)

    assert reply.status == 200 and [t["id"] for t in reply.json["data"]] == [thread_id]


async def test_the_server_key_without_x_user_id_is_refused(chatkit):
    reply = await chatkit(LIST, headers=bearer(settings.MERAK_SERVER_API_KEY))

    await assert_refused(reply, 400, "missing_user_id")


@pytest.mark.parametrize("user", ["", "<script>", "a" * 129, "al ice"])
async def test_the_server_key_with_a_malformed_x_user_id_is_refused(chatkit, user):
    reply = await chatkit(LIST, headers={**bearer(settings.MERAK_SERVER_API_KEY), "X-User-ID": user})

    await assert_refused(reply, 400, "invalid_user_id")


async def test_a_client_secret_use_is_recorded(chatkit, issue_token):
    secret = await issue_token("alice")

    await chatkit(LIST, headers=bearer(secret))

    assert (await ClientToken.objects.aget()).last_used_at is not None


def test_the_server_key_is_compared_in_constant_time(monkeypatch):
    calls = []
    compare = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)

    assert auth.is_server_key(settings.MERAK_SERVER_API_KEY)
    assert not auth.is_server_key("guess")
    assert len(calls) == 2


def test_an_empty_server_key_matches_nothing(settings):
    settings.MERAK_SERVER_API_KEY = ""

    assert not auth.is_server_key("")


def test_the_development_key_is_an_error_with_debug_off(settings):
    settings.DEBUG = False
    settings.MERAK_SERVER_API_KEY = settings.DEV_SERVER_API_KEY

    assert [message.id for message in checks.server_key_check()] == ["merak.E001"]
    settings.MERAK_SERVER_API_KEY = "a-real-key"
    assert checks.server_key_check() == []


def test_debug_off_without_a_server_key_refuses_to_start():
    env = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x", "MERAK_SERVER_API_KEY": ""}
    code = "import django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "merak_project.settings"},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )

    assert result.returncode != 0
    assert "MERAK_SERVER_API_KEY" in result.stderr
