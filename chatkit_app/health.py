"""What `/healthz` reports: whether the services Merak depends on answer."""

from __future__ import annotations

import logging

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


@sync_to_async
def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        logger.warning("health check: the database is unreachable", exc_info=True)
        return False


async def report() -> tuple[bool, dict[str, str]]:
    """(all healthy, a status per dependency)."""
    database = await database_ok()
    return database, {"database": "ok" if database else "unreachable"}
