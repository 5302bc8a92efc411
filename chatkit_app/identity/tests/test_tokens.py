"""The token service without HTTP: issue, resolve, rotate, reuse detection, expiry, under a controlled clock."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from chatkit_app.identity import tokens
from chatkit_app.models import ClientToken

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


@pytest.fixture(autouse=True)
def lifetimes(settings):
    settings.MERAK_CLIENT_TOKEN_TTL_SECONDS = 600
    settings.MERAK_CLIENT_TOKEN_REFRESH_GRACE_SECONDS = 3600


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def test_issue_stores_only_the_hash_of_a_high_entropy_secret():
    issued = tokens.issue("alice", now=T0)

    row = ClientToken.objects.get()
    assert issued.client_secret.startswith(tokens.SECRET_PREFIX)
    assert len(issued.client_secret) >= len(tokens.SECRET_PREFIX) + 43  # 256 random bits, base64url
    assert row.secret_hash == hashlib.sha256(issued.client_secret.encode()).hexdigest()
    stored = [str(value) for value in ClientToken.objects.values_list().get()]
    assert not any(issued.client_secret in value for value in stored)
    assert (row.user_id, row.created_at, row.expires_at) == ("alice", T0, at(600))
    assert issued.as_json() == {"client_secret": issued.client_secret, "expires_at": int(at(600).timestamp())}


def test_every_secret_is_different():
    secrets = {tokens.issue("alice").client_secret for _ in range(20)}

    assert len(secrets) == 20


def test_a_live_secret_resolves_to_its_user_and_records_its_use():
    secret = tokens.issue("alice", now=T0).client_secret

    assert tokens.resolve(secret, now=at(5)) == "alice"
    assert ClientToken.objects.get().last_used_at == at(5)


def test_last_used_is_written_at_most_once_a_minute():
    secret = tokens.issue("alice", now=T0).client_secret
    tokens.resolve(secret, now=at(5))

    tokens.resolve(secret, now=at(30))
    assert ClientToken.objects.get().last_used_at == at(5)
    tokens.resolve(secret, now=at(70))
    assert ClientToken.objects.get().last_used_at == at(70)


@pytest.mark.parametrize("secret", ["", "mct_nope", "x" * 10_000, "mct_\udc80"])
def test_an_unknown_secret_is_refused(secret):
    with pytest.raises(tokens.TokenUnknown):
        tokens.resolve(secret)


def test_a_secret_stops_working_when_it_expires():
    secret = tokens.issue("alice", now=T0).client_secret

    assert tokens.resolve(secret, now=at(599)) == "alice"
    with pytest.raises(tokens.TokenExpired):
        tokens.resolve(secret, now=at(600))


def test_the_lifetime_is_a_setting(settings):
    settings.MERAK_CLIENT_TOKEN_TTL_SECONDS = 30

    issued = tokens.issue("alice", now=T0)

    assert issued.expires_at == at(30)


def test_refresh_rotates_the_secret_in_the_same_chain():
    old = tokens.issue("alice", now=T0)

    new = tokens.refresh(old.client_secret, now=at(100))

    assert new.client_secret != old.client_secret
    assert new.token.user_id == "alice" and new.token.chain == old.token.chain
    assert new.token.replaces_id == old.token.pk and new.expires_at == at(700)
    old_row = ClientToken.objects.get(pk=old.token.pk)
    assert (old_row.revoked_at, old_row.revoked_reason, old_row.replaced_by.pk) == (at(100), "rotated", new.token.pk)
    with pytest.raises(tokens.TokenRevoked):
        tokens.resolve(old.client_secret, now=at(101))
    assert tokens.resolve(new.client_secret, now=at(101)) == "alice"


def test_an_expired_secret_can_be_refreshed_within_the_grace_period():
    old = tokens.issue("alice", now=T0)

    new = tokens.refresh(old.client_secret, now=at(600 + 3599))

    assert tokens.resolve(new.client_secret, now=at(600 + 3600)) == "alice"


def test_a_secret_expired_beyond_the_grace_period_cannot_be_refreshed():
    old = tokens.issue("alice", now=T0)

    with pytest.raises(tokens.TokenExpired):
        tokens.refresh(old.client_secret, now=at(600 + 3600))
    assert ClientToken.objects.count() == 1


def test_reusing_a_rotated_secret_revokes_the_whole_chain():
    first = tokens.issue("alice", now=T0)
    second = tokens.refresh(first.client_secret, now=at(10))
    third = tokens.refresh(second.client_secret, now=at(20))
    unrelated = tokens.issue("alice", now=T0)

    with pytest.raises(tokens.TokenRevoked):
        tokens.refresh(first.client_secret, now=at(30))

    with pytest.raises(tokens.TokenRevoked):
        tokens.resolve(third.client_secret, now=at(31))
    assert ClientToken.objects.get(pk=third.token.pk).revoked_reason == "reuse"
    assert ClientToken.objects.filter(chain=first.token.chain, revoked_at__isnull=True).count() == 0
    assert tokens.resolve(unrelated.client_secret, now=at(31)) == "alice"


def test_a_refresh_that_loses_a_race_counts_as_reuse(monkeypatch):
    """Two refreshes of one secret at once: the one that finds it already rotated revokes the chain."""
    issued = tokens.issue("alice", now=T0)
    stale = ClientToken.objects.get()  # what the slower request read: still live
    winner = tokens.refresh(issued.client_secret, now=at(10))
    monkeypatch.setattr(tokens, "_find", lambda secret: stale)

    with pytest.raises(tokens.TokenRevoked):
        tokens.refresh(issued.client_secret, now=at(10))

    monkeypatch.undo()
    with pytest.raises(tokens.TokenRevoked):
        tokens.resolve(winner.client_secret, now=at(11))
    assert ClientToken.objects.count() == 2, "the loser issued nothing"


def test_revoked_secrets_are_refused_and_cannot_be_refreshed():
    issued = tokens.issue("alice", now=T0)
    tokens.revoke_chains([issued.token.chain], ClientToken.RevokedReason.ADMIN, now=at(1))

    with pytest.raises(tokens.TokenRevoked):
        tokens.resolve(issued.client_secret, now=at(2))
    with pytest.raises(tokens.TokenRevoked):
        tokens.refresh(issued.client_secret, now=at(2))
    assert ClientToken.objects.count() == 1


def test_token_errors_are_401_with_distinct_codes():
    codes = {error.code for error in (tokens.TokenUnknown("x"), tokens.TokenExpired("x"), tokens.TokenRevoked("x"))}

    assert codes == {"token_unknown", "token_expired", "token_revoked"}
    assert tokens.TokenExpired("x").status == 401
    assert "invalid_token" in tokens.TokenExpired("x").headers["WWW-Authenticate"]


def test_purge_deletes_only_tokens_dead_for_longer_than_asked():
    dead = tokens.issue("alice", now=at(-(600 + 3600 + 86_400 * 31)))
    recent = tokens.issue("alice", now=at(-(600 + 3600 + 86_400 * 29)))
    live = tokens.issue("alice", now=T0)

    assert tokens.purge(older_than=timedelta(days=30), now=T0) == 1

    assert set(ClientToken.objects.values_list("pk", flat=True)) == {recent.token.pk, live.token.pk}
    assert not ClientToken.objects.filter(pk=dead.token.pk).exists()


def test_the_purge_command_reports_what_it_deleted(capsys):
    tokens.issue("alice", now=T0 - timedelta(days=400))

    call_command("purge_client_tokens", "--days", "30")

    assert "Deleted 1 client token(s) and 0 lapsed thread lease(s)." in capsys.readouterr().out
    assert not ClientToken.objects.exists()
