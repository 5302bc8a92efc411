"""Client tokens: issue, refresh (rotate), resolve and revoke the secrets that identify `/chatkit` callers.

A secret is 256 random bits shown once, to whoever asked for it; the database
keeps its SHA-256, so a secret is found by its hash (no secret is ever compared
or stored) and a database leak yields no usable token. Refreshing revokes the
presented token and issues its successor in the same chain; presenting a
rotated secret again means two parties hold it, so the whole chain is revoked,
as refresh-token reuse detection does.

Every function takes `now`, so tests control time without patching clocks.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from chatkit_app.models import ClientToken
from chatkit_app.protocol.errors import ApiError
from chatkit_app.store.sql import field_column
from merak_project.runtime.db_threads import in_database_thread

logger = logging.getLogger(__name__)

# A recognisable prefix lets secret scanners (and people) tell what leaked.
SECRET_PREFIX = "mct_"
# Longer than any secret we issue: anything longer is not worth hashing.
MAX_SECRET_LENGTH = 128
# `last_used_at` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)

Reason = ClientToken.RevokedReason


class TokenError(ApiError):
    """The presented client secret does not identify anyone (401)."""

    status = 401

    def __init__(self, message: str) -> None:
        super().__init__(
            message, headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{self.code}"'}
        )


class TokenUnknown(TokenError):
    code = "token_unknown"


class TokenExpired(TokenError):
    code = "token_expired"


class TokenRevoked(TokenError):
    code = "token_revoked"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly issued secret: the only moment it exists outside the caller."""

    client_secret: str
    token: ClientToken

    @property
    def expires_at(self) -> datetime:
        return self.token.expires_at

    def as_json(self) -> dict[str, Any]:
        # Unix seconds, as OpenAI's own ChatKit sessions answer `expires_at`.
        return {"client_secret": self.client_secret, "expires_at": int(self.token.expires_at.timestamp())}


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _lifetime() -> timedelta:
    return timedelta(seconds=settings.MERAK_CLIENT_TOKEN_TTL_SECONDS)


def _refresh_grace() -> timedelta:
    return timedelta(seconds=settings.MERAK_CLIENT_TOKEN_REFRESH_GRACE_SECONDS)


def _create(user_id: str, chain: uuid.UUID, replaces: ClientToken | None, now: datetime) -> IssuedToken:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ClientToken.objects.create(
        secret_hash=hash_secret(secret),
        user_id=user_id,
        chain=chain,
        replaces=replaces,
        created_at=now,
        expires_at=now + _lifetime(),
    )
    return IssuedToken(client_secret=secret, token=token)


def _hash_of(secret: str) -> str:
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        raise TokenUnknown("This client secret is not known.")
    return hash_secret(secret)


def _find(secret: str) -> ClientToken:
    token = ClientToken.objects.filter(secret_hash=_hash_of(secret)).first()
    if token is None:
        raise TokenUnknown("This client secret is not known.")
    return token


def issue(user_id: str, *, now: datetime | None = None) -> IssuedToken:
    """A new secret for `user_id`, starting a new refresh chain."""
    return _create(user_id, uuid.uuid4(), None, now or timezone.now())


def resolve(secret: str, *, now: datetime | None = None) -> str:
    """The user a live secret belongs to; `TokenError` (unknown, expired, revoked) otherwise."""
    now = now or timezone.now()
    found = _state_of(_hash_of(secret), now)
    if found is None:
        raise TokenUnknown("This client secret is not known.")
    pk, user_id, revoked, expired, unmarked = found
    if revoked:
        raise TokenRevoked("This client secret has been revoked.")
    if expired:
        raise TokenExpired("This client secret has expired; refresh it.")
    if unmarked:
        ClientToken.objects.filter(pk=pk).update(last_used_at=now)
    return cast(str, user_id)


@functools.cache
def _state_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    pk, user, revoked, expires, used, hashed = (
        quote(field_column(ClientToken, name)[0])
        for name in ("id", "user_id", "revoked_at", "expires_at", "last_used_at", "secret_hash")
    )
    return (
        f"SELECT {pk}, {user}, {revoked} IS NOT NULL, {expires} <= %s, ({used} IS NULL OR {used} <= %s) "
        f"FROM {quote(ClientToken._meta.db_table)} WHERE {hashed} = %s"
    )


def _state_of(secret_hash: str, now: datetime) -> tuple[Any, ...] | None:
    """The token's id, user, and whether it is revoked, expired and due a `last_used_at`; None if unknown.

    One SELECT written out: every `/chatkit` request makes it, and the ORM's
    compiling of the same query was two thirds of its CPU (517 -> 173 µs a
    call on PostgreSQL, with the hand-off to the database thread:
    `bench/micro.py`); the database answers the questions, so no timestamp
    comes back to be parsed.
    """
    moment = field_column(ClientToken, "expires_at")[1]
    params = [moment.get_db_prep_value(at, connection) for at in (now, now - LAST_USED_RESOLUTION)]
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(connection.vendor), [*params, secret_hash])
        return cursor.fetchone()


def refresh(secret: str, *, now: datetime | None = None) -> IssuedToken:
    """Rotate: revoke the presented secret and issue its successor in the same chain.

    An expired secret may still be refreshed within the grace period. A secret
    already rotated (or rotated concurrently by another caller) is reuse: its
    whole chain is revoked, the successor included.
    """
    now = now or timezone.now()
    token = _find(secret)
    if token.revoked_at is not None:
        if token.revoked_reason == Reason.ROTATED:
            _reuse_detected(token, now)
        raise TokenRevoked("This client secret has been revoked.")
    if token.expires_at + _refresh_grace() <= now:
        raise TokenExpired("This client secret expired too long ago to be refreshed; start a new session.")
    with transaction.atomic():
        # Conditional on still being live: of two concurrent refreshes, one wins.
        rotated = ClientToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_reason=Reason.ROTATED, last_used_at=now
        )
        if rotated:
            return _create(token.user_id, token.chain, token, now)
    _reuse_detected(token, now)
    raise TokenRevoked("This client secret has been revoked.")


def _reuse_detected(token: ClientToken, now: datetime) -> None:
    count = revoke_chains([token.chain], Reason.REUSE, now=now)
    logger.warning(
        "rotated client secret reused: refresh chain revoked",
        extra={"user_id": token.user_id, "token_id": token.pk, "revoked_tokens": count},
    )


def revoke_chains(chains: Any, reason: str, *, now: datetime | None = None) -> int:
    """Revoke every live token of these refresh chains (ids, or a queryset of them); how many were live."""
    return ClientToken.objects.filter(chain__in=chains, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now(), revoked_reason=reason
    )


def purge(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete tokens that could not be used or refreshed for `older_than`; how many were deleted.

    Their secrets are dead either way; only the record of them goes (a very old
    rotated secret then reads as unknown rather than triggering reuse detection).
    """
    cutoff = (now or timezone.now()) - older_than - _refresh_grace()
    deleted, _ = ClientToken.objects.filter(expires_at__lt=cutoff).delete()
    return deleted


# The same, awaitable from async views without blocking the event loop.
aissue = in_database_thread(issue)
aresolve = in_database_thread(resolve)
arefresh = in_database_thread(refresh)
