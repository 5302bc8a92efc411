"""The planner's modes, in ChatKit's composer tool menu: each narrows the agent's tools and steers its first call.

A mode is picked for one message (ChatKit clears the menu after sending). The run that
answers it gets only the mode's tools, a line in its instructions saying what the user
asked for, and a `tool_choice` that makes its first model call a tool call: `open_map` for
the map, any of the fact tools for daylight and holidays. openai-agents resets the choice
once a tool has been called (`Agent.reset_tool_choice`), so the model then writes its answer.
The offline planner reads the same three things, so the modes work without a key too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from agents import Agent, FunctionTool

from agents_app.tools import (
    FACT_TOOLS,
    TRIP_PLANNER_TOOLS,
    ask_user_tool,
    find_city_tool,
    open_map_tool,
    show_itinerary_tool,
)


@dataclass(frozen=True, slots=True)
class Mode:
    """A mode: how the menu shows it (label, ChatKit icon, short label, placeholder) and how it steers the agent."""

    id: str
    label: str
    icon: Literal["suitcase", "calendar", "map-pin"]
    short_label: str
    placeholder: str
    tools: tuple[FunctionTool, ...]
    tool_choice: Literal["auto", "required"] | str
    instruction: str


MODES: dict[str, Mode] = {
    mode.id: mode
    for mode in (
        Mode(
            "plan",
            "Plan a trip",
            "suitcase",
            "Plan",
            "Where, when and for how long?",
            tools=(*FACT_TOOLS, show_itinerary_tool, ask_user_tool),
            tool_choice="auto",
            instruction='The user picked the mode "Plan a trip": plan it day by day and show the itinerary card.',
        ),
        Mode(
            "facts",
            "Daylight and holidays",
            "calendar",
            "Facts",
            "Which city, and when?",
            tools=(*FACT_TOOLS, ask_user_tool),
            tool_choice="required",
            instruction=(
                'The user picked the mode "Daylight and holidays": answer with the facts for their city and '
                "dates (public holidays, sunrise and sunset, local time) and no day-by-day plan."
            ),
        ),
        Mode(
            "map",
            "Show on a map",
            "map-pin",
            "Map",
            "Which place should I show?",
            tools=(find_city_tool, open_map_tool),
            tool_choice=open_map_tool.name,
            instruction='The user picked the mode "Show on a map": open the place they name (or the one discussed) '
            "on the map.",
        ),
    )
}
assert all(tool in TRIP_PLANNER_TOOLS for mode in MODES.values() for tool in mode.tools)


def steered(agent: Agent[Any], mode_id: str | None) -> Agent[Any]:
    """`agent` in the mode `mode_id` (one of `MODES`), or as it is for none."""
    mode = MODES.get(mode_id or "")
    if mode is None:
        return agent
    base = agent.instructions

    async def instructions(ctx: Any, this: Agent[Any]) -> str:
        written = base(ctx, this) if callable(base) else base or ""
        if not isinstance(written, str):
            written = await written
        return f"{written}\n{mode.instruction}"

    settings = agent.model_settings.resolve(type(agent.model_settings)(tool_choice=mode.tool_choice))
    return agent.clone(instructions=instructions, tools=list(mode.tools), model_settings=settings)
