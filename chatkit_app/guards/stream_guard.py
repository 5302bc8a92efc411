"""What a streaming request holds while it streams: one of its user's stream slots and its thread's lease.

Both are taken before anything is stored or streamed (429 or 409 otherwise),
renewed while the stream runs, and given back when it ends, fails or is
cancelled by the client leaving: `around()` wraps the SDK's stream inside the
task that runs it (`streaming.EventPump`), so its `finally` runs in all three.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from . import limits, thread_locks
from .database import in_database_thread
from .thread_locks import ThreadBusy

logger = logging.getLogger(__name__)

RENEW_EVERY_SECONDS = min(thread_locks.LEASE_SECONDS, limits.STREAM_SLOT_SECONDS) / 3

_acquire_lease = in_database_thread(thread_locks.acquire)
_renew_lease = in_database_thread(thread_locks.renew)
_release_lease = in_database_thread(thread_locks.release)


class StreamGuard:
    """Held by one streaming request; `release()` is idempotent."""

    def __init__(self, user_id: str, thread_id: str | None, slot: bool) -> None:
        self.user_id = user_id
        self.thread_id = thread_id
        self.holder = thread_locks.new_holder()
        self._slot = slot
        self._leased = False
        self._released = False

    @classmethod
    async def acquire(cls, user_id: str, thread_id: str | None) -> StreamGuard:
        """Take a stream slot, then the thread's lease (none for a new thread); 429 or 409 when taken."""
        guard = cls(user_id, thread_id, await limits.take_stream_slot(user_id))
        try:
            if thread_id is not None and thread_locks.lockable(thread_id):
                # Marked before the lease is asked for: a request cancelled meanwhile (its client
                # hung up) cannot tell whether the lease was written, and giving back a lease it
                # does not hold is a no-op.
                guard._leased = True
                if not await _acquire_lease(thread_id, user_id, guard.holder):
                    guard._leased = False
                    raise ThreadBusy(
                        "A reply is already streaming into this thread; try again when it ends.",
                        headers={"Retry-After": "1"},
                    )
        except BaseException:
            await guard.release()
            raise
        return guard

    async def around(self, stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """`stream`, renewing what this guard holds while it runs and releasing it when it stops."""
        # Started before the first event, the renewer keeps the request's place ahead in the
        # database queue (`database.ahead_of_streams`): renewals are rare, and must not lapse.
        renewer = asyncio.create_task(self._renew_periodically())
        try:
            async for chunk in stream:
                yield chunk
        finally:
            renewer.cancel()
            # Shielded: a second cancellation must not leave the lease or the slot taken.
            await asyncio.shield(self.release())

    async def release(self) -> None:
        if self._released:
            return
        self._released = True
        try:
            if self._leased:
                await _release_lease(self.thread_id, self.user_id, self.holder)
        finally:
            if self._slot:
                await limits.give_back_stream_slot(self.user_id)

    async def _renew_periodically(self) -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY_SECONDS)
            try:
                if self._slot:
                    await limits.renew_stream_slots(self.user_id)
                if self._leased and not await _renew_lease(self.thread_id, self.user_id, self.holder):
                    logger.warning("thread lease lost while streaming", extra={"thread_id": self.thread_id})
                    self._leased = False
            except Exception:
                logger.warning("could not renew a stream's lease or slot", exc_info=True)
