"""What `/healthz` reports: whether the services Merak depends on answer."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection

from .database import in_database_thread

logger = logging.getLogger(__name__)


@in_database_thread
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
