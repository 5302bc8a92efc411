"""The itinerary card: a ChatKit widget with one row per day (date, place, sunrise and sunset, holiday warnings).

Built with `chatkit.widgets` components. The SDK marks using these classes directly as
deprecated in favour of `.widget` template files; they are what its `WidgetRoot` is made of,
typed and checked, and they serialise to exactly what a template would produce.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chatkit.widgets import (
    Badge,
    Button,
    Caption,
    Card,
    Col,
    Divider,
    Row,
    Text,
    Title,
    WidgetComponent,
    WidgetStatusWithIcon,
)

from agents_app.actions import ADD_DAY, BUTTON_LABELS, CHEAPER, REMOVE_DAY, ItineraryPlan, button_action, button_enabled
from agents_app.trips.locales import LocaleFormat

_BUTTON_ICONS = {ADD_DAY: "plus", REMOVE_DAY: "calendar", CHEAPER: "star"}


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


def itinerary_card(itinerary: Itinerary, fmt: LocaleFormat, *, rows: int | None = None) -> Card:
    """The card with its first `rows` days (all of them, with the buttons, when `rows` is None)."""
    complete = rows is None
    shown = itinerary.days if complete else itinerary.days[:rows]
    children: list[WidgetComponent] = [_header(itinerary, fmt), Divider(spacing=2)]
    for day in shown:
        children.append(_day_row(day, itinerary.city, fmt))
    if complete:
        children += [Divider(spacing=2), _buttons(itinerary.plan)]
    status: WidgetStatusWithIcon | None = None if complete else {"text": "Building your itinerary…", "icon": "suitcase"}
    return Card(key="itinerary", size="md", status=status, children=children)


async def itinerary_card_states(itinerary: Itinerary, fmt: LocaleFormat) -> AsyncGenerator[Card, None]:
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


def _header(itinerary: Itinerary, fmt: LocaleFormat) -> Row:
    heading = Col(
        gap=1,
        flex=1,
        children=[
            Title(value=f"{_title(itinerary.plan)} in {itinerary.city}", size="md"),
            Caption(value=f"{itinerary.country} · {_date_range(itinerary, fmt)}"),
        ],
    )
    badges: list[WidgetComponent] = []
    if itinerary.plan.budget:
        badges.append(Badge(label="Budget", color="success", pill=True))
    holidays = sum(1 for day in itinerary.days if day.holiday)
    if holidays:
        badges.append(Badge(label="1 holiday" if holidays == 1 else f"{holidays} holidays", color="warning", pill=True))
    return Row(align="start", gap=2, children=[heading, *badges])


def _day_row(day: ItineraryDay, city: str, fmt: LocaleFormat) -> Row:
    details: list[WidgetComponent] = [
        Text(value=f"{city} — {day.outline}", size="sm", weight="medium"),
        Caption(value=_daylight(day, fmt)),
    ]
    if day.holiday:
        details.append(Text(value=f"⚠ Public holiday: {day.holiday}. Check opening hours.", size="sm", color="warning"))
    when = Col(
        width=96,
        children=[Text(value=f"Day {day.number}", size="sm", weight="semibold"), Caption(value=fmt.short_day(day.day))],
    )
    return Row(key=f"day-{day.number}", align="start", gap=3, children=[when, Col(flex=1, gap=1, children=details)])


def _buttons(plan: ItineraryPlan) -> Row:
    buttons: list[WidgetComponent] = [
        Button(
            label=label,
            iconStart=_BUTTON_ICONS[action_type],
            onClickAction=button_action(action_type, plan),
            disabled=not button_enabled(action_type, plan),
            variant="outline",
            size="sm",
        )
        for action_type, label in BUTTON_LABELS.items()
    ]
    return Row(gap=2, wrap="wrap", children=buttons)


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
