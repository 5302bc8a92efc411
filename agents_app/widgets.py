"""The itinerary card: a ChatKit widget with one row per day (date, place, sunrise and sunset, holiday warnings).

Built from a `.widget` template (`widget_templates/itinerary.widget`, ChatKit's widget file
format: a Jinja template of the card's JSON and the JSON schema of its data) with the SDK's
`WidgetTemplate`. This module turns an itinerary into the template's data: the words, dates
and times written for the user's locale, and the buttons with the actions they send.

Every state of the card has the same top-level keys ("status" is null once it is done): the
SDK's `diff_widget` reads each key either state has from both, and a key one of them lacks
fails it, in an order set by Python's string hashing (guarded in `tests/test_widgets.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from chatkit.widgets import DynamicWidgetRoot, WidgetTemplate

from agents_app.actions import (
    ADD_DAY,
    BUTTON_LABELS,
    CHEAPER,
    REMOVE_DAY,
    ItineraryPlan,
    button_action,
    button_enabled,
    clock_action,
)
from agents_app.trips.locales import Clock, LocaleFormat

_BUTTON_ICONS = {ADD_DAY: "plus", REMOVE_DAY: "calendar", CHEAPER: "star"}
_CARD = WidgetTemplate.from_file(str(Path(__file__).with_name("widget_templates") / "itinerary.widget"))


@dataclass(frozen=True, slots=True)
class ItineraryDay:
    """One row of the card: the facts for one day of the trip."""

    number: int
    day: date
    outline: str
    sunrise: str | None  # "HH:MM" local time; None when the sun does not rise or set that day
    sunset: str | None
    polar: str | None  # "midnight_sun" or "polar_night" near the poles
    holiday: str | None  # the public holiday's name, if the day is one


@dataclass(frozen=True, slots=True)
class Itinerary:
    """A whole trip as the card shows it."""

    plan: ItineraryPlan
    city: str
    country: str
    days: tuple[ItineraryDay, ...]

    @property
    def end(self) -> date:
        return self.plan.start_date + timedelta(days=self.plan.days - 1)


def itinerary_card(itinerary: Itinerary, fmt: LocaleFormat, *, rows: int | None = None) -> DynamicWidgetRoot:
    """The card with its first `rows` days (all of them, with the buttons, when `rows` is None)."""
    return _CARD.build(card_data(itinerary, fmt, rows=rows))


def card_data(itinerary: Itinerary, fmt: LocaleFormat, *, rows: int | None = None) -> dict[str, Any]:
    """The template's data for the card with its first `rows` days (all, with the buttons, when None)."""
    complete = rows is None
    shown = itinerary.days if complete else itinerary.days[:rows]
    badges = []
    if itinerary.plan.budget:
        badges.append({"label": "Budget", "color": "success"})
    holidays = sum(1 for day in itinerary.days if day.holiday)
    if holidays:
        badges.append({"label": "1 holiday" if holidays == 1 else f"{holidays} holidays", "color": "warning"})
    return {
        "title": f"{_title(itinerary.plan)} in {itinerary.city}",
        "subtitle": f"{itinerary.country} · {_date_range(itinerary, fmt)}",
        "status": None if complete else {"text": "Building your itinerary…", "icon": "suitcase"},
        "badges": badges,
        "days": [
            {
                "key": f"day-{day.number}",
                "label": f"Day {day.number}",
                "date": fmt.short_day(day.day),
                "headline": f"{itinerary.city} — {day.outline}",
                "daylight": _daylight(day, fmt),
                "holiday": f"⚠ Public holiday: {day.holiday}. Check opening hours." if day.holiday else None,
            }
            for day in shown
        ],
        "buttons": _buttons(itinerary.plan, fmt) if complete else None,
    }


async def itinerary_card_states(itinerary: Itinerary, fmt: LocaleFormat) -> AsyncGenerator[DynamicWidgetRoot, None]:
    """The card as it is built: the heading, then one more day per state, then the finished card with its buttons."""
    for rows in range(len(itinerary.days) + 1):
        yield itinerary_card(itinerary, fmt, rows=rows)
        # A turn of the event loop between states, so the other events of the run interleave.
        await asyncio.sleep(0)
    yield itinerary_card(itinerary, fmt)


def itinerary_text(itinerary: Itinerary, fmt: LocaleFormat) -> str:
    """The card as plain text: what the copy button copies and what the model reads on later turns."""
    lines = [f"{_title(itinerary.plan)}: {itinerary.city}, {itinerary.country}, {_date_range(itinerary, fmt)}"]
    for day in itinerary.days:
        line = f"Day {day.number} ({fmt.short_day(day.day)}): {day.outline}; {_daylight(day, fmt)}"
        if day.holiday:
            line += f"; public holiday ({day.holiday}), check opening hours"
        lines.append(line)
    return "\n".join(lines)


def _buttons(plan: ItineraryPlan, fmt: LocaleFormat) -> list[dict[str, Any]]:
    """The re-planning buttons (a model turn each), then the clock switch (answered at once, no model turn)."""
    buttons = [
        {
            "label": label,
            "icon": _BUTTON_ICONS[action_type],
            "action": button_action(action_type, plan).model_dump(mode="json"),
            "disabled": not button_enabled(action_type, plan),
            "variant": "outline",
        }
        for action_type, label in BUTTON_LABELS.items()
    ]
    other: Clock = "12h" if fmt.clock_hours == "24h" else "24h"
    buttons.append(
        {
            "label": "12-hour clock" if other == "12h" else "24-hour clock",
            "icon": "clock",
            "action": clock_action(plan, other).model_dump(mode="json"),
            "disabled": False,
            "variant": "ghost",
        }
    )
    return buttons


def _daylight(day: ItineraryDay, fmt: LocaleFormat) -> str:
    if day.polar == "midnight_sun":
        return "Midnight sun: the sun does not set"
    if day.polar == "polar_night":
        return "Polar night: the sun does not rise"
    if day.sunrise and day.sunset:
        return f"Sunrise {fmt.clock(day.sunrise)} · Sunset {fmt.clock(day.sunset)}"
    return "Sunrise and sunset unknown"


def _title(plan: ItineraryPlan) -> str:
    return "1 day" if plan.days == 1 else f"{plan.days} days"


def _date_range(itinerary: Itinerary, fmt: LocaleFormat) -> str:
    start, end = itinerary.plan.start_date, itinerary.end
    if start == end:
        return f"{fmt.short_day(start)} {start.year}"
    return f"{fmt.short_day(start)} – {fmt.short_day(end)} {end.year}"


def widget_texts(node: Any) -> list[str]:
    """The text a widget shows (values and labels), in reading order; a widget model or its JSON."""
    if hasattr(node, "model_dump"):
        node = node.model_dump()
    if isinstance(node, list):
        return [text for child in node for text in widget_texts(child)]
    if not isinstance(node, dict):
        return []
    own = [node[key] for key in ("value", "label") if isinstance(node.get(key), str)]
    return own + widget_texts(node.get("children"))
