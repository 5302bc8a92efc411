"""What every Trip Planner tool returns: a JSON-able dict of facts, or an error dict instead of an exception."""

from __future__ import annotations

import json
from typing import Any

ToolResult = dict[str, Any]


class ToolInputError(Exception):
    """A place or date the tools cannot use; the tool turns it into an error result for the model."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_result(self) -> ToolResult:
        return error_result(self.code, self.message)


def error_result(code: str, message: str) -> ToolResult:
    """The one error shape: a stable `error` code for programs and a `message` for the model and user."""
    return {"error": code, "message": message}


def is_error(result: ToolResult) -> bool:
    return "error" in result


def as_tool_output(result: ToolResult) -> str:
    """JSON text for the model.

    The Agents SDK would otherwise send a returned dict as its Python repr (single quotes, None),
    which neither a real model nor the offline planner should have to parse.
    """
    return json.dumps(result, ensure_ascii=False)
