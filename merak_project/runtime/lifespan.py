"""The ASGI lifespan: on shutdown (SIGTERM), replies running in this worker are drained, not cut.

A reply belongs to the server, not to its connection (`chatkit_app.runs`), so
the server must not exit under it. When the process is told to stop, this
worker takes no new replies from that moment (the signal handler the server
installed is chained, so the moment is the signal's, not the end of the
connections' own drain); at lifespan shutdown it lets running replies finish
until `MERAK_RUN_DRAIN_SECONDS` after the signal, then cancels the rest, which
store their partial replies (`runs.registry.drain`).

uvicorn sends the lifespan events (`scripts/run_chatkit_server.py` turns them
on); `manage.py runserver` (daphne) sends none and drains nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from types import FrameType
from typing import Any

from chatkit_app.runs import registry, signals

Message = MutableMapping[str, Any]


async def lifespan(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            registry.reset()
            _note_termination()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await registry.drain()
            await signals.stop_listening()
            await send({"type": "lifespan.shutdown.complete"})
            return


def _note_termination() -> None:
    """Chain the server's SIGTERM (and SIGINT) handler: from the signal on, take no new replies."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)

        def handler(number: int, frame: FrameType | None, previous: Any = previous) -> None:
            registry.begin_shutdown()
            if callable(previous):
                previous(number, frame)

        signal.signal(signum, handler)
