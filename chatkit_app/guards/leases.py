"""One stream per thread at a time, across every worker: a lease row in the database.

Taking a lease is one INSERT (or, over a lapsed lease, one conditional
UPDATE); the unique constraint and the UPDATE's own row lock make exactly one
of two racing workers win, on PostgreSQL and SQLite alike. Unlike a
transaction-scoped row lock or a session advisory lock, a lease needs no
connection held open for the whole stream, and unlike them it can outlive a
dead worker, so it expires unless its holder renews it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .errors import ApiError
from .models import ThreadLease

# A holder renews its lease every third of this while it streams, so a thread whose worker died
# (killed, its machine gone) takes a new message within this, and a healthy holder has two
# renewals' slack before its lease could lapse.
LEASE_SECONDS = 9
# Longer ids name no thread (`Thread.thread_id` holds 64): nothing to lock.
MAX_THREAD_ID_LENGTH = ThreadLease._meta.get_field("thread_id").max_length


class ThreadBusy(ApiError):
    status, code = 409, "thread_busy"


def new_holder() -> str:
    return secrets.token_hex(16)


def lockable(thread_id: str) -> bool:
    return 0 < len(thread_id) <= MAX_THREAD_ID_LENGTH


def acquire(thread_id: str, user_id: str, holder: str, *, now: datetime | None = None) -> bool:
    """Take the thread's lease for `holder`: False when another live holder has it."""
    now = now or timezone.now()
    expires_at = now + timedelta(seconds=LEASE_SECONDS)
    try:
        with transaction.atomic():
            ThreadLease.objects.create(thread_id=thread_id, user_id=user_id, holder=holder, expires_at=expires_at)
        return True
    except IntegrityError:
        pass
    # Someone holds it, or held it and lapsed: take it over only in the latter case.
    return bool(
        ThreadLease.objects.filter(thread_id=thread_id, user_id=user_id, expires_at__lte=now).update(
            holder=holder, expires_at=expires_at
        )
    )


def renew(thread_id: str, user_id: str, holder: str, *, now: datetime | None = None) -> bool:
    """Extend the lease `holder` holds; False if it has lost it (it lapsed and was taken over)."""
    expires_at = (now or timezone.now()) + timedelta(seconds=LEASE_SECONDS)
    return bool(
        ThreadLease.objects.filter(thread_id=thread_id, user_id=user_id, holder=holder).update(expires_at=expires_at)
    )


def release(thread_id: str, user_id: str, holder: str) -> None:
    """Give the lease back (a no-op when `holder` no longer holds it)."""
    ThreadLease.objects.filter(thread_id=thread_id, user_id=user_id, holder=holder).delete()


def is_held(thread_id: str, user_id: str, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return ThreadLease.objects.filter(thread_id=thread_id, user_id=user_id, expires_at__gt=now).exists()


def purge_lapsed(*, now: datetime | None = None) -> int:
    """Delete leases nobody holds any more (their workers died); how many."""
    deleted, _ = ThreadLease.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
