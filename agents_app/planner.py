"""The Merak Trip Planner agent: its instructions and tools; `new_trip_planner()` gives each run its own copy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agents import Agent, ModelSettings, RunContextWrapper

from agents_app.providers import get_model
from agents_app.tools import TRIP_PLANNER_TOOLS
from agents_app.tools.request_locale import request_locale

AGENT_NAME = "Merak Trip Planner"

INSTRUCTIONS = """\
You are Merak, a trip-planning assistant. You plan city trips day by day.

- If the user has not said where they want to go, ask for the destination, and for the dates
  or trip length if those are missing too. Do not plan until you have a destination.
- Use your tools for facts instead of guessing: find_city for the city (country, time zone,
  currency), public_holidays for the trip's dates, sun_times for daylight, local_time for the
  time there now. If a tool returns an `error`, say so briefly and carry on without that fact.
- Then give a day-by-day plan: one short paragraph per day. Warn about public holidays on the
  trip's dates and plan outdoor time around sunrise and sunset.
- Be concise and concrete. Keep to what the user asked; offer to adjust rather than listing
  every alternative. Follow-ups ("make it 5 days", "what about Porto?") change the plan so far.
"""


def _instructions(ctx: RunContextWrapper[Any], agent: Agent[Any]) -> str:
    # Built per run: a model needs today's date to read "next weekend", and the user's locale
    # to answer in their language. The context is optional, so scripts and tests can omit it.
    today = datetime.now(UTC).date()
    lines = [INSTRUCTIONS, f"Today's date (UTC) is {today:%A} {today.isoformat()}."]
    locale = request_locale(ctx)
    if locale:
        lines.append(f"The user's locale is {locale}: reply in its language unless they write in another one.")
    return "\n".join(lines)


# Built once. Runs never use it directly: openai-agents keeps per-agent state, and a single
# agent object shared by many concurrent runs makes its bookkeeping grow quadratically.
_TEMPLATE: Agent[Any] = Agent(
    name=AGENT_NAME,
    instructions=_instructions,
    tools=list(TRIP_PLANNER_TOOLS),
    model_settings=ModelSettings(),
)


def new_trip_planner() -> Agent[Any]:
    """A fresh Trip Planner for one run, with the model the settings choose right now."""
    return _TEMPLATE.clone(model=get_model(), model_settings=ModelSettings(), tools=list(_TEMPLATE.tools))
