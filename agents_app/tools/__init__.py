"""The Trip Planner's function tools, each in its own module over offline data from installed packages.

Each module holds a plain function (unit-testable, returns a JSON-able dict) and the
openai-agents tool that wraps it.
"""

from __future__ import annotations

from agents import FunctionTool

from agents_app.tools.clock import local_time_tool
from agents_app.tools.holidays import public_holidays_tool
from agents_app.tools.places import find_city_tool
from agents_app.tools.sun import sun_times_tool

TRIP_PLANNER_TOOLS: tuple[FunctionTool, ...] = (find_city_tool, public_holidays_tool, sun_times_tool, local_time_tool)

__all__ = ["TRIP_PLANNER_TOOLS", "find_city_tool", "local_time_tool", "public_holidays_tool", "sun_times_tool"]
