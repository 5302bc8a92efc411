"""The itinerary card's buttons: the actions they send, and what each one asks the planner to do.

Every button carries the plan its card shows (`ItineraryPlan`), so any card in the thread,
even an old one, re-plans from what it displays. The payload comes back from the browser:
it is validated here before anything reaches the agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from chatkit.actions import ActionConfig
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents_app.trips.gazetteer import cities_named, country
from agents_app.trips.locales import Clock
from agents_app.trips.requests import MAX_DAYS

ADD_DAY = "itinerary.add_day"
REMOVE_DAY = "itinerary.remove_day"
CHEAPER = "itinerary.cheaper"
# The clock switch: answered at once (`threads.sync_custom_action`), no model turn.
CLOCK = "itinerary.clock"

# What each button says, and what pressing it does to the plan.
BUTTON_LABELS = {ADD_DAY: "Add a day", REMOVE_DAY: "One day shorter", CHEAPER: "Make it cheaper"}


class UnknownAction(Exception):
    """An action type no widget of ours sends."""


class InvalidActionPayload(Exception):
    """An itinerary action whose payload does not describe a plan we could have shown."""


class ItineraryPlan(BaseModel):
    """The plan an itinerary card shows, as its buttons send it back."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    city: str = Field(min_length=1, max_length=100)
    country_code: str = Field(pattern=r"^[A-Z]{2}$")
    start_date: date
    days: int = Field(ge=1, le=MAX_DAYS)
    budget: bool = False


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """What the server does for one button press: a progress line for the user, a note for the agent."""

    progress: str
    note: str
    plan: ItineraryPlan


def button_action(action_type: str, plan: ItineraryPlan) -> ActionConfig:
    """The action a card's button sends: handled by the server, the card dimmed while it runs."""
    return ActionConfig(type=action_type, payload=plan.model_dump(mode="json"), loadingBehavior="container")


def clock_action(plan: ItineraryPlan, hours: Clock) -> ActionConfig:
    """The clock switch's action: the card again with its times on a `hours` clock, sent without streaming
    (ChatKit then calls `threads.sync_custom_action` and swaps the card in place)."""
    return ActionConfig(
        type=CLOCK, payload={**plan.model_dump(mode="json"), "clock": hours}, loadingBehavior="self", streaming=False
    )


def clock_request(payload: Any) -> tuple[ItineraryPlan, Clock]:
    """The plan a clock switch's card shows and the clock it asks for; raises for anything else."""
    hours = payload.get("clock") if isinstance(payload, dict) else None
    try:
        shown = ItineraryPlan.model_validate(payload)
    except ValidationError:
        raise InvalidActionPayload("The itinerary card sent a plan that could not be read.") from None
    if (hours == "12h" or hours == "24h") and cities_named(shown.city, shown.country_code):
        return shown, hours
    raise InvalidActionPayload("The itinerary card sent a plan that could not be changed that way.")


def button_enabled(action_type: str, plan: ItineraryPlan) -> bool:
    """Whether the button would change the plan (no sixteenth day, no zero-day trip, no cheaper budget trip)."""
    if action_type == ADD_DAY:
        return plan.days < MAX_DAYS
    if action_type == REMOVE_DAY:
        return plan.days > 1
    if action_type == CHEAPER:
        return not plan.budget
    raise UnknownAction(action_type)


def itinerary_action_request(action_type: str, payload: Any) -> ActionRequest:
    """What pressing `action_type` on a card showing `payload` asks for; raises for anything else."""
    if action_type not in BUTTON_LABELS:
        raise UnknownAction(action_type)
    try:
        shown = ItineraryPlan.model_validate(payload)
    except ValidationError:
        raise InvalidActionPayload("The itinerary card sent a plan that could not be read.") from None
    # Only names the gazetteer knows reach the agent: the payload is text from the browser.
    if not cities_named(shown.city, shown.country_code) or not button_enabled(action_type, shown):
        raise InvalidActionPayload("The itinerary card sent a plan that could not be changed that way.")
    if action_type == ADD_DAY:
        plan = shown.model_copy(update={"days": shown.days + 1})
        progress = f"Adding a day to your {shown.city} trip"
    elif action_type == REMOVE_DAY:
        plan = shown.model_copy(update={"days": shown.days - 1})
        progress = f"Shortening your {shown.city} trip by a day"
    else:
        plan = shown.model_copy(update={"budget": True})
        progress = f"Making your {shown.city} trip cheaper"
    return ActionRequest(progress=progress, note=_note(BUTTON_LABELS[action_type], plan), plan=plan)


def _note(label: str, plan: ItineraryPlan) -> str:
    # Worded so that it states the new plan exactly once: the offline planner reads it like a
    # message from the user, and a real model like an instruction.
    found = country(plan.country_code)
    place = f"{plan.city}, {found.name}" if found else plan.city
    length = "1 day" if plan.days == 1 else f"{plan.days} days"
    budget = " on a budget" if plan.budget else ""
    return (
        f"The user pressed “{label}” on the itinerary card. "
        f"New plan: {length} in {place} from {plan.start_date.isoformat()}{budget}. "
        "Show the new plan with show_itinerary, then say briefly what changed."
    )
