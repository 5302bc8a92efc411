"""The replies running in this worker: found by their holder to be stopped, and drained on shutdown.

On SIGTERM (`merak_project.runtime.lifespan`) a worker takes no new replies
(`accepting()` turns false: the view answers 503), lets the running ones
finish until `MERAK_RUN_DRAIN_SECONDS` after the signal, then cancels the
rest, whose partial replies are stored as for any cancelled reply.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from chatkit_app.runs.run import Run

logger = logging.getLogger(__name__)

# How long cancelled replies get to store what they have, once the drain is over.
CANCELLED_SETTLE_SECONDS = 15.0

_running: dict[str, Run] = {}
_shutdown_started: float | None = None


def add(run: Run) -> None:
    _running[run.holder] = run


def discard(run: Run) -> None:
    _running.pop(run.holder, None)


def running() -> list[Run]:
    return list(_running.values())


def cancel(holder: str, *, reason: str) -> bool:
    """Stop the reply `holder` runs here, if it does; whether it did."""
    run = _running.get(holder)
    if run is None:
        return False
    run.cancel(reason)
    return True


def accepting() -> bool:
    """Whether this worker takes new replies (not once it has been told to shut down)."""
    return _shutdown_started is None


def begin_shutdown() -> None:
    """Take no new replies from now on (SIGTERM); `drain()` waits for the running ones."""
    global _shutdown_started
    if _shutdown_started is None:
        _shutdown_started = time.monotonic()
        logger.info("shutting down: no new replies; %d running", len(_running))


async def drain() -> None:
    """Let running replies finish until the drain period since `begin_shutdown()` ends, then cancel the rest."""
    begin_shutdown()
    assert _shutdown_started is not None
    left = _shutdown_started + settings.MERAK_RUN_DRAIN_SECONDS - time.monotonic()
    tasks = [run.task for run in running()]
    if tasks and left > 0:
        await asyncio.wait(tasks, timeout=left)
    unfinished = running()
    for run in unfinished:
        logger.warning("reply cancelled at shutdown", extra={"thread_id": run.thread_id, "user_id": run.user_id})
        run.cancel("shutdown")
    if unfinished:
        await asyncio.wait([run.task for run in unfinished], timeout=CANCELLED_SETTLE_SECONDS)


def reset() -> None:
    """Accept replies again (a new server in this process: tests)."""
    global _shutdown_started
    _shutdown_started = None
