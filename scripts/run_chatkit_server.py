#!/usr/bin/env python
"""Production entry point: serves the ASGI app with uvicorn (uvloop + httptools).

Honours CHATKIT_SERVER_HOST, CHATKIT_SERVER_PORT and CHATKIT_SERVER_WORKERS;
with MERAK_ENABLE_CHATKIT_SERVER off it still serves (admin, health) while
`/chatkit` answers 503. uvicorn rather than daphne: measured faster on this
app (see bench/README.md).

Stopping it: on SIGTERM (or SIGINT) each worker takes no new replies and lets
those running finish for MERAK_RUN_DRAIN_SECONDS (60 by default), then cancels
the rest, storing their partial replies, and exits. Give the process that long
plus about 15 seconds before a SIGKILL (systemd TimeoutStopSec, Kubernetes
terminationGracePeriodSeconds); a SIGKILL loses at most the last second of a
reply's text, and its thread takes new messages 9 seconds later.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "merak_project.settings")


def main() -> None:
    import django

    django.setup()
    import uvicorn
    from django.conf import settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=settings.CHATKIT_SERVER_HOST)
    parser.add_argument("--port", type=int, default=settings.CHATKIT_SERVER_PORT)
    parser.add_argument("--workers", type=int, default=settings.CHATKIT_SERVER_WORKERS)
    args = parser.parse_args()

    if not settings.MERAK_ENABLE_CHATKIT_SERVER:
        logging.getLogger("merak").warning("MERAK_ENABLE_CHATKIT_SERVER is off: /chatkit will answer 503")
    uvicorn.run(
        "merak_project.asgi:application",
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        # On SIGTERM: no new connections; running replies get MERAK_RUN_DRAIN_SECONDS to finish,
        # attached to their clients (uvicorn's wait) or not (the lifespan's drain), then are
        # cancelled with their partial replies stored. A process manager must allow a little more.
        lifespan="on",
        access_log=False,
        log_config=None,  # uvicorn's own lines go through Django's LOGGING (JSON) like every other
        timeout_graceful_shutdown=max(1, int(settings.MERAK_RUN_DRAIN_SECONDS)),
    )


if __name__ == "__main__":
    main()
