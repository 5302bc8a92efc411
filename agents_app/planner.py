"""The Merak Trip Planner agent: its instructions and tools; `new_trip_planner()` gives each run its own copy."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from agents import Agent, FunctionToolResult, ModelSettings, ToolsToFinalOutputResult

from agents_app.context import PlannerContext, PlannerRunContext, pending_client_tool_call, request_locale
from agents_app.modes import steered
from agents_app.providers import get_model, model_settings
from agents_app.tools import ASK_USER, CLIENT_TOOL_NAMES, TRIP_PLANNER_TOOLS
from agents_app.tools.questions import asked
from agents_app.trips.locales import locale_instruction

AGENT_NAME = "Merak Trip Planner"

INSTRUCTIONS = """\
You are Merak, a trip-planning assistant. You plan city trips day by day.

- If the user has not said where they want to go, or when, ask with ask_user (a short form with
  suggested answers; the destination, the dates, and the length if that is missing too), not in
  prose, and call no other tool in that turn. Do not invent dates unless they tell you to choose
  or skip the dates question. If only the length is missing, plan 3 days and say so.
- Use your tools for facts instead of guessing: find_city for the city (country, time zone,
  currency), public_holidays for the trip's dates, sun_times for daylight, local_time for the
  time there now. If a tool returns an `error`, say so briefly and carry on without that fact.
- Once you have the facts, call show_itinerary with the destination, first day, length and budget
  choice: it shows the user an itinerary card with a row per day and buttons to change the plan.
  Call it again whenever the plan changes. Then give a day-by-day plan: one short paragraph per
  day. Warn about public holidays on the trip's dates and plan outdoor time around sunrise and sunset.
- When the user asks to see a place on a map, call open_map for that city and no other tool in
  that turn: it opens the map in their browser and its result tells you whether that worked.
- A hidden-context message saying the user pressed a button on the itinerary card is their request:
  plan exactly what it describes.
- Be concise and concrete. Keep to what the user asked; offer to adjust rather than listing
  every alternative. Follow-ups ("make it 5 days", "what about Porto?") change the plan so far.
"""


def _instructions(ctx: PlannerRunContext, agent: Agent[PlannerContext]) -> str:
    # Built per run: a model needs today's date to read "next weekend", and the user's locale
    # to answer in their language. The context is optional, so scripts and tests can omit it.
    today = datetime.now(UTC).date()
    lines = [INSTRUCTIONS, f"Today's date (UTC) is {today:%A} {today.isoformat()}."]
    locale = request_locale(ctx)
    if locale:
        lines.append(locale_instruction(locale))
    return "\n".join(lines)


def stop_for_the_browser(ctx: PlannerRunContext, results: list[FunctionToolResult]) -> ToolsToFinalOutputResult:
    """End the run when a tool handed work to the browser (a ChatKit client tool call) or showed the user a form
    (`ask_user`); else let the model go on.

    Like `StopAtTools(["open_map", "ask_user"])`, except that a tool which could not even ask (an
    unknown city, no browser connected) lets the model explain rather than ending in silence.
    """
    form = next((r.output for r in results if r.tool.name == ASK_USER and asked(r.output)), None)
    if form is not None:
        return ToolsToFinalOutputResult(is_final_output=True, final_output=form)
    if pending_client_tool_call(ctx) is None:
        return ToolsToFinalOutputResult(is_final_output=False)
    output = next((r.output for r in results if r.tool.name in CLIENT_TOOL_NAMES), None)
    return ToolsToFinalOutputResult(is_final_output=True, final_output=output)


# Built once. Runs never use it directly: openai-agents keeps per-agent state, and a single
# agent object shared by many concurrent runs makes its bookkeeping grow quadratically.
_TEMPLATE: Agent[PlannerContext] = Agent(
    name=AGENT_NAME,
    instructions=_instructions,
    tools=list(TRIP_PLANNER_TOOLS),
    model_settings=ModelSettings(include_usage=True),
    tool_use_behavior=stop_for_the_browser,
)


def new_trip_planner(model: str | None = None, mode: str | None = None) -> Agent[PlannerContext]:
    """A fresh Trip Planner for one run: with the model picked (one the settings offer; else their default),
    in the mode picked from the composer's menu (`modes`), if any.

    A shallow copy of the template, as `Agent.clone()` makes, without its `__post_init__`: that validates every
    field again and reads the class's type hints afresh (170 -> 14 µs of a run's CPU, `bench/micro.py`), for
    fields validated when the template was built and a model and settings of the types it checks.
    `test_planner.py` checks the copy against `clone()`."""
    agent = copy.copy(_TEMPLATE)
    agent.model, agent.model_settings = get_model(model), model_settings(model)
    agent.tools = list(_TEMPLATE.tools)
    return steered(agent, mode)
