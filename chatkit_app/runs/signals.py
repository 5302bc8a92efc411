"""Signals between workers, through Django Channels' channel layer: "stop the reply you are running".

A reply runs on the worker that accepted it, and may be stopped from any
other (its user pressed stop in a tab whose request reached another worker,
or an operator pressed it in the admin). Each worker listens on a channel of
its own; the thread's lease names the channel of the worker running its
reply (`guards.leases`), so a stop is one message sent to that channel. The
layer is Redis on several workers (`channels_redis`, on the Redis `CACHE_URL`
names) and this process's memory when one process serves everything.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.layers import get_channel_layer

from chatkit_app.runs import registry

logger = logging.getLogger(__name__)

CANCEL = "run.cancel"

# This worker's channel and the task listening on it, per event loop (tests run several loops).
_listening: dict[asyncio.AbstractEventLoop, tuple[str, asyncio.Task[None]]] = {}


async def worker_channel() -> str:
    """This worker's channel, listened to from the first call on."""
    loop = asyncio.get_running_loop()
    if loop not in _listening:
        layer = get_channel_layer()
        name = await layer.new_channel("merak.worker.")
        _listening[loop] = (name, loop.create_task(_listen(layer, name), name="merak-signals"))
    return _listening[loop][0]


async def send_cancel(channel: str, holder: str) -> None:
    """Ask the worker listening on `channel` to stop the reply `holder` runs."""
    await get_channel_layer().send(channel, {"type": CANCEL, "holder": holder})


async def stop_listening() -> None:
    """Stop this event loop's listener (before the loop closes: tests)."""
    found = _listening.pop(asyncio.get_running_loop(), None)
    if found is not None:
        found[1].cancel()
        await asyncio.gather(found[1], return_exceptions=True)


async def _listen(layer: Any, channel: str) -> None:
    while True:
        try:
            message = await layer.receive(channel)
        except asyncio.CancelledError:
            raise
        except Exception:  # the layer's own connection errors: wait, then listen again
            logger.warning("the channel layer failed; listening again in a second", exc_info=True)
            await asyncio.sleep(1)
            continue
        if message.get("type") == CANCEL and isinstance(message.get("holder"), str):
            registry.cancel(message["holder"], reason="stopped")
