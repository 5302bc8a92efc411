"""The `open_map` client tool: the agent asks the user's browser to open a map at a city.

It runs in the browser, not here: the tool puts a `ClientToolCall` on the ChatKit agent
context and the run stops (see `planner.stop_for_the_browser`). ChatKit shows the pending
call to the browser, which opens the map and posts its result (`{"opened": true}`, or an
`error`) with `threads.add_client_tool_output`; the run then resumes with that result.
"""

from __future__ import annotations

import asyncio
from typing import Any

from agents import function_tool
from chatkit.agents import ClientToolCall

from agents_app.context import PlannerRunContext, agent_context
from agents_app.progress import show_progress
from agents_app.tools.places import lookup_city
from agents_app.tools.results import ToolInputError, ToolResult, as_tool_output, error_result
from agents_app.trips.gazetteer import City
from agents_app.trips.gazetteer import country as country_named

OPEN_MAP = "open_map"
# The browser tools the agent can call, by name; anything else a browser answers is logged and ignored.
CLIENT_TOOL_NAMES = frozenset({OPEN_MAP})
# A city fits the window at this OpenStreetMap zoom level.
_CITY_ZOOM = 12


def map_arguments(city: City) -> dict[str, Any]:
    """What the browser gets: the place, its coordinates, and a ready link to a map there."""
    found = country_named(city.country_code)
    lat, lon = round(city.latitude, 5), round(city.longitude, 5)
    return {
        "place": f"{city.name}, {found.name}" if found else city.name,
        "city": city.name,
        "country_code": city.country_code,
        "latitude": lat,
        "longitude": lon,
        "zoom": _CITY_ZOOM,
        "url": f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map={_CITY_ZOOM}/{lat}/{lon}",
    }


@function_tool(name_override=OPEN_MAP)
async def open_map_tool(ctx: PlannerRunContext, city: str, country: str | None = None) -> str:
    """Open a map of a city in the user's browser (runs on the user's device).

    Call it only when the user asks to see a place on a map, and call no other tool in the same turn.
    The browser's answer comes back as this tool's result: `opened` true, or an `error`. Returns an
    object with `error` and `message` for an unknown city or when no browser is connected.

    Args:
        city: The city to show, e.g. "Lisbon".
        country: Optional country name or ISO code to pick among same-named cities, e.g. "PT".
    """
    try:
        place = await asyncio.to_thread(lookup_city, city, country)
    except ToolInputError as error:
        return as_tool_output(error.as_result())
    arguments = map_arguments(place)
    context = agent_context(ctx)
    if context is None:
        result: ToolResult = error_result("no_browser", f"No browser is connected; the map link is {arguments['url']}")
        return as_tool_output(result)
    await show_progress(ctx, f"Opening {arguments['place']} on a map…", "map-pin")
    context.client_tool_call = ClientToolCall(name=OPEN_MAP, arguments=arguments)
    return as_tool_output({"requested": True, **arguments})
