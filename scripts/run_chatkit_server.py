#!/usr/bin/env python
"""Production entry point: serves the ASGI app with uvicorn (uvloop + httptools).

Honours CHATKIT_SERVER_HOST, CHATKIT_SERVER_PORT and CHATKIT_SERVER_WORKERS;
with MERAK_ENABLE_CHATKIT_SERVER off it still serves (admin, health) while
`/chatkit` answers 503. uvicorn rather than daphne: measured faster on this
app (see bench/README.md).
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
        lifespan="off",
        access_log=False,
        log_config=None,  # uvicorn's own lines go through Django's LOGGING (JSON) like every other
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
