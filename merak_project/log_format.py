"""Log output: the JSON formatter (one JSON object per line, the record's `extra` fields included),
and the filter that keeps Django's request logger off the API paths."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
# `extra` values that are not facts: Django's request object (whose text repeats
# the raw path, which may hold a signed attachment token) and uvicorn's copy of
# its message with terminal colours.
_DROPPED = {"request", "server_time", "color_message"}


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", ...extra, "exc_info"?}` on a single line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _DROPPED and not key.startswith("_"):
                entry[key] = _plain(value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class NotOnApiPaths(logging.Filter):
    """Drops `django.request` lines about the JSON API: it logs every request itself (`merak.requests`,
    with the route, never the raw path, which on attachment URLs is a signed capability) and its
    errors where they are caught (`chatkit_app.errors`). The admin's lines are kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        from merak_project.runtime.api_middleware import is_api

        request = getattr(record, "request", None)
        return request is None or not is_api(request)
