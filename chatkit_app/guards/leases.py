"""One stream per thread at a time, across every worker: a lease row in the database.

Taking a lease is one statement: an INSERT that, over a lapsed lease of the
same thread, updates it instead (`INSERT ... ON CONFLICT DO UPDATE ... WHERE`
the old lease has expired); the unique constraint and the conflict's row lock
make exactly one of two racing workers win, on PostgreSQL and SQLite alike.
Giving it back is one DELETE. Neither is wrapped in a transaction: in
autocommit each statement is its own, and Django's `atomic()` (or
`QuerySet.delete()`, which opens one) would add a BEGIN and a COMMIT, two
more round trips. Unlike a transaction-scoped row lock or a session advisory
lock, a lease needs no connection held open for the whole stream, and unlike
them it can outlive a dead worker, so it expires unless its holder renews it.

A streaming request holds its thread's lease and one of its user's stream
slots (`limits`) through a `StreamGuard`: both taken before anything is
stored or streamed (409 or 429 otherwise), renewed while the stream runs, and
given back when it ends, fails or is cancelled by the client leaving.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import cast

from django.db import connection
from django.utils import timezone

from chatkit_app.guards import limits
from chatkit_app.models import ThreadLease
from chatkit_app.protocol.errors import ApiError
from chatkit_app.runs import signals
from chatkit_app.store.sql import field_column, upsert_owned
from merak_project.runtime.db_threads import in_database_thread

logger = logging.getLogger(__name__)

# A holder renews its lease every third of this while it streams, so a thread whose worker died
# (killed, its machine gone) takes a new message within this, and a healthy holder has two
# renewals' slack before its lease could lapse.
LEASE_SECONDS = 9
# Longer ids name no thread (`Thread.thread_id` holds 64): nothing to lock.
# A cast: `thread_id` is a `CharField`, whose `max_length` is always set.
MAX_THREAD_ID_LENGTH = cast(int, ThreadLease._meta.get_field("thread_id").max_length)


class ThreadBusy(ApiError):
    status, code = 409, "thread_busy"


def new_holder() -> str:
    return secrets.token_hex(16)


def lockable(thread_id: str) -> bool:
    return 0 < len(thread_id) <= MAX_THREAD_ID_LENGTH


def acquire(thread_id: str, user_id: str, holder: str, *, channel: str = "", now: datetime | None = None) -> bool:
    """Take the thread's lease for `holder`, whose worker listens on `channel`: False when another live
    holder has it."""
    now = now or timezone.now()
    held = {
        "holder": holder,
        "channel": channel,
        "started_at": now,
        "expires_at": now + timedelta(seconds=LEASE_SECONDS),
    }
    # Someone holds it, or held it and lapsed: taken over only in the latter case.
    return upsert_owned(
        ThreadLease,
        {"thread_id": thread_id, "user_id": user_id, **held},
        conflict=("thread_id", "user_id"),
        update=tuple(held),
        lapsed=("expires_at", "started_at"),
    )


def holding(thread_id: str, user_id: str, *, now: datetime | None = None) -> ThreadLease | None:
    """The live lease on the thread (a reply is running in it), if any."""
    live = ThreadLease.objects.filter(thread_id=thread_id, user_id=user_id, expires_at__gt=now or timezone.now())
    return live.first()


def renew(thread_id: str, user_id: str, holder: str, *, now: datetime | None = None) -> bool:
    """Extend the lease `holder` holds; False if it has lost it (it lapsed and was taken over)."""
    expires_at = (now or timezone.now()) + timedelta(seconds=LEASE_SECONDS)
    return bool(
        ThreadLease.objects.filter(thread_id=thread_id, user_id=user_id, holder=holder).update(expires_at=expires_at)
    )


def release(thread_id: str, user_id: str, holder: str) -> None:
    """Give the lease back (a no-op when `holder` no longer holds it)."""
    # Raw: `QuerySet.delete()` wraps its DELETE in a transaction, two more round trips.
    quote = connection.ops.quote_name
    thread, user, held_by = (quote(field_column(ThreadLease, name)[0]) for name in ("thread_id", "user_id", "holder"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(ThreadLease._meta.db_table)} WHERE {thread} = %s AND {user} = %s AND {held_by} = %s",
            [thread_id, user_id, holder],
        )


def purge_lapsed(*, now: datetime | None = None) -> int:
    """Delete leases nobody holds any more (their workers died); how many."""
    deleted, _ = ThreadLease.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


# A streaming request's lease and stream slot, held and renewed ----------------------------

RENEW_EVERY_SECONDS = min(LEASE_SECONDS, limits.STREAM_SLOT_SECONDS) / 3

_acquire_lease = in_database_thread(acquire)
_renew_lease = in_database_thread(renew)
_release_lease = in_database_thread(release)


class StreamGuard:
    """Held by one streaming request; `release()` is idempotent."""

    def __init__(self, user_id: str, thread_id: str | None, slot: bool) -> None:
        self.user_id = user_id
        self.thread_id = thread_id
        self.holder = new_holder()
        self._slot = slot
        self._leased = False
        self._released = False

    @classmethod
    async def acquire(cls, user_id: str, thread_id: str | None) -> StreamGuard:
        """Take a stream slot, then the thread's lease (none for a new thread); 429 or 409 when taken."""
        guard = cls(user_id, thread_id, await limits.take_stream_slot(user_id))
        try:
            if thread_id is not None and lockable(thread_id):
                # Marked before the lease is asked for: a request cancelled meanwhile (its client
                # hung up) cannot tell whether the lease was written, and giving back a lease it
                # does not hold is a no-op.
                guard._leased = True
                channel = await signals.worker_channel()  # where a stop for this reply is sent
                if not await _acquire_lease(thread_id, user_id, guard.holder, channel=channel):
                    guard._leased = False
                    raise ThreadBusy(
                        "A reply is in progress in this thread; try again when it ends.",
                        headers={"Retry-After": "1"},
                    )
        except BaseException:
            await guard.release()
            raise
        return guard

    async def around(self, stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """`stream`, renewing what this guard holds while it runs and releasing it when it stops."""
        # Started before the first event, the renewer keeps the request's place ahead in the
        # database queue (`db_threads.ahead_of_streams`): renewals are rare, and must not lapse.
        renewer = asyncio.create_task(self._renew_periodically())
        try:
            async for chunk in stream:
                yield chunk
        finally:
            renewer.cancel()
            # Shielded: a second cancellation must not leave the lease or the slot taken.
            await asyncio.shield(self.release())

    @property
    def _leased_thread_id(self) -> str:
        # A cast: `_leased` is only ever set with a `thread_id` (see `acquire`).
        return cast(str, self.thread_id)

    async def release(self) -> None:
        if self._released:
            return
        self._released = True
        try:
            if self._leased:
                await _release_lease(self._leased_thread_id, self.user_id, self.holder)
        finally:
            if self._slot:
                await limits.give_back_stream_slot(self.user_id)

    async def _renew_periodically(self) -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY_SECONDS)
            try:
                if self._slot:
                    await limits.renew_stream_slots(self.user_id)
                if self._leased and not await _renew_lease(self._leased_thread_id, self.user_id, self.holder):
                    logger.warning("thread lease lost while streaming", extra={"thread_id": self.thread_id})
                    self._leased = False
            except Exception:
                logger.warning("could not renew a stream's lease or slot", exc_info=True)
