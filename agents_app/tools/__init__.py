"""The Trip Planner's function tools, each in its own module over offline data from installed packages.

Each module holds a plain function (unit-testable, returns a JSON-able dict) and the
openai-agents tool that wraps it. `show_itinerary` also streams a widget into the chat, and
`open_map` is a client tool: the user's browser runs it; `ask_user` shows the user a form.
"""

from __future__ import annotations

from agents import FunctionTool

from agents_app.tools.clock import local_time_tool
from agents_app.tools.holidays import public_holidays_tool
from agents_app.tools.itinerary import show_itinerary_tool
from agents_app.tools.maps import CLIENT_TOOL_NAMES, OPEN_MAP, open_map_tool
from agents_app.tools.places import find_city_tool
from agents_app.tools.questions import ASK_USER, ask_user_tool
from agents_app.tools.sun import sun_times_tool

# The tools that look facts up; the offline planner calls them first for every plan.
FACT_TOOLS: tuple[FunctionTool, ...] = (find_city_tool, public_holidays_tool, sun_times_tool, local_time_tool)
TRIP_PLANNER_TOOLS: tuple[FunctionTool, ...] = (*FACT_TOOLS, show_itinerary_tool, open_map_tool, ask_user_tool)

__all__ = [
    "ASK_USER",
    "CLIENT_TOOL_NAMES",
    "FACT_TOOLS",
    "ask_user_tool",
    "OPEN_MAP",
    "TRIP_PLANNER_TOOLS",
    "find_city_tool",
    "local_time_tool",
    "open_map_tool",
    "public_holidays_tool",
    "show_itinerary_tool",
    "sun_times_tool",
]
