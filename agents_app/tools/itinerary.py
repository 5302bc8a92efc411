"""The `show_itinerary` tool: shows the trip in the chat as an itinerary card and tells the model what the card says."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from agents import function_tool

from agents_app.actions import ItineraryPlan
from agents_app.context import PlannerRunContext, agent_context, request_locale
from agents_app.progress import show_progress
from agents_app.tools.holidays import parse_iso_date, public_holidays
from agents_app.tools.places import lookup_city
from agents_app.tools.results import ToolInputError, ToolResult, as_tool_output
from agents_app.tools.sun import sun_times
from agents_app.trips.days import day_outline
from agents_app.trips.gazetteer import country as country_named
from agents_app.trips.locales import locale_format
from agents_app.trips.requests import MAX_DAYS
from agents_app.widgets import Itinerary, ItineraryDay, itinerary_card_states, itinerary_text


def build_itinerary(
    city: str, country: str | None, start_date: str, days: int, budget: bool = False, locale: str | None = None
) -> Itinerary:
    """The facts for each day of the trip; raises ToolInputError for an unknown city, a bad date or length."""
    place = lookup_city(city, country)
    start = parse_iso_date(start_date, "start_date")
    if not 1 <= days <= MAX_DAYS:
        raise ToolInputError("bad_length", f"days must be between 1 and {MAX_DAYS}, got {days}.")
    plan = ItineraryPlan(city=place.name, country_code=place.country_code, start_date=start, days=days, budget=budget)
    end = start + timedelta(days=days - 1)
    holidays = public_holidays(place.country_code, start.isoformat(), end.isoformat(), locale=locale)
    names = {h["date"]: h["name"] for h in holidays.get("holidays") or []}
    rows = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        sun = sun_times(place.name, day.isoformat(), place.country_code)
        rows.append(
            ItineraryDay(
                number=offset + 1,
                day=day,
                outline=day_outline(offset, days, budget=budget),
                sunrise=sun.get("sunrise"),
                sunset=sun.get("sunset"),
                polar=sun.get("polar"),
                holiday=names.get(day.isoformat()),
            )
        )
    found_country = country_named(place.country_code)
    country_name = found_country.name if found_country else place.country_code
    return Itinerary(plan=plan, city=place.name, country=country_name, days=tuple(rows))


def itinerary_result(itinerary: Itinerary, *, shown: bool) -> ToolResult:
    """What the model learns from the tool: the plan and each day's facts, as the card shows them."""
    return {
        "shown_to_user": shown,
        **itinerary.plan.model_dump(mode="json"),
        "country": itinerary.country,
        "end_date": itinerary.end.isoformat(),
        "days_detail": [
            {
                "day": day.number,
                "date": day.day.isoformat(),
                "weekday": day.day.strftime("%A"),
                "outline": day.outline,
                "sunrise": day.sunrise,
                "sunset": day.sunset,
                "polar": day.polar,
                "public_holiday": day.holiday,
            }
            for day in itinerary.days
        ],
    }


@function_tool(name_override="show_itinerary")
async def show_itinerary_tool(
    ctx: PlannerRunContext, city: str, start_date: str, days: int, country: str | None = None, budget: bool = False
) -> str:
    """Show the trip to the user as an itinerary card: one row per day with the date, what to do, sunrise and
    sunset, and public-holiday warnings, plus buttons to add a day, shorten the trip or make it cheaper.

    Call it once you know the destination and the dates, after the fact tools and before you write the
    day-by-day plan; call it again whenever the plan changes. Returns what the card shows, or an object
    with `error` and `message` for an unknown city, a malformed date or a length outside 1-14 days.

    Args:
        city: The destination city, e.g. "Lisbon".
        start_date: First day of the trip, YYYY-MM-DD.
        days: Length of the trip in days, 1 to 14.
        country: Optional country name or ISO code to pick among same-named cities, e.g. "PT".
        budget: True when the user wants a cheaper, budget version of the trip.
    """
    locale = request_locale(ctx)
    await show_progress(ctx, "Drawing your itinerary…", "suitcase")
    try:
        # Off the event loop: a calendar and two sun positions per day.
        itinerary = await asyncio.to_thread(build_itinerary, city, country, start_date, days, budget, locale)
    except ToolInputError as error:
        return as_tool_output(error.as_result())
    context = agent_context(ctx)
    if context is not None:
        fmt = locale_format(locale)
        await context.stream_widget(itinerary_card_states(itinerary, fmt), copy_text=itinerary_text(itinerary, fmt))
    return as_tool_output(itinerary_result(itinerary, shown=context is not None))
