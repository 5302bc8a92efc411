"""The `sun_times` tool: sunrise, sunset and day length at a city on a date, in the city's local time."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import astral.sun
from agents import function_tool
from astral import Observer

from agents_app.context import PlannerRunContext, request_locale
from agents_app.progress import tool_progress
from agents_app.tools.holidays import parse_iso_date
from agents_app.tools.places import lookup_city
from agents_app.tools.results import ToolInputError, ToolResult, as_tool_output, is_error
from agents_app.trips.locales import locale_format


def _clock(moment: datetime | None) -> str | None:
    """HH:MM rounded to the nearest minute, as a timetable would print it."""
    if moment is None:
        return None
    return (moment + timedelta(seconds=30)).strftime("%H:%M")


def _duration(minutes: int) -> str:
    return f"{minutes // 60}h {minutes % 60:02d}m"


def _twilight(event: str, observer: Observer, day: date, tz: ZoneInfo) -> datetime | None:
    # Civil dawn and dusk do not happen on summer nights far north or south (the sun never
    # sinks 6 degrees below the horizon), even when it rises and sets.
    try:
        return getattr(astral.sun, event)(observer, day, tzinfo=tz)
    except ValueError:
        return None


def sun_times(city: str, day: str, country: str | None = None) -> ToolResult:
    """Sunrise, sunset, solar noon, civil dawn/dusk and day length at `city` on `day` (YYYY-MM-DD)."""
    try:
        when = parse_iso_date(day, "date")
        place = lookup_city(city, country)
    except ToolInputError as error:
        return error.as_result()

    tz = ZoneInfo(place.timezone)
    observer = Observer(latitude=place.latitude, longitude=place.longitude)
    noon = astral.sun.noon(observer, when, tzinfo=tz)
    result: ToolResult = {
        "city": place.name,
        "country_code": place.country_code,
        "date": when.isoformat(),
        "timezone": place.timezone,
        "solar_noon": _clock(noon),
        "dawn": _clock(_twilight("dawn", observer, when, tz)),
        "dusk": _clock(_twilight("dusk", observer, when, tz)),
    }
    try:
        sunrise = astral.sun.sunrise(observer, when, tzinfo=tz)
        sunset = astral.sun.sunset(observer, when, tzinfo=tz)
    except ValueError:
        # No sunrise or sunset at all: the sun's height at noon says whether it is up all day.
        midnight_sun = astral.sun.elevation(observer, noon) > 0
        minutes = 24 * 60 if midnight_sun else 0
        return {
            **result,
            "sunrise": None,
            "sunset": None,
            "polar": "midnight_sun" if midnight_sun else "polar_night",
            "day_length": _duration(minutes),
            "day_length_minutes": minutes,
        }
    minutes = round((sunset - sunrise).total_seconds() / 60) % (24 * 60)
    return {
        **result,
        "sunrise": _clock(sunrise),
        "sunset": _clock(sunset),
        "polar": None,
        "day_length": _duration(minutes),
        "day_length_minutes": minutes,
    }


@function_tool(name_override="sun_times")
async def sun_times_tool(ctx: PlannerRunContext, city: str, date: str, country: str | None = None) -> str:
    """Sunrise, sunset, solar noon, civil dawn/dusk and day length at a city on a date.

    Times are HH:MM in the city's own time zone. Near the poles `sunrise`/`sunset` are null and
    `polar` says "midnight_sun" or "polar_night". Returns an object with `error` and `message`
    for an unknown city or a malformed date.

    Args:
        city: The city's name, e.g. "Lisbon".
        date: The day, YYYY-MM-DD.
        country: Optional country name or ISO code to pick among same-named cities, e.g. "PT".
    """
    async with tool_progress(ctx, f"Checking sunrise and sunset in {city}", "sparkle") as step:
        result = await asyncio.to_thread(sun_times, city, date, country)
        if not is_error(result):
            step.title = f"Checked daylight in {result['city']}"
            if result["polar"]:
                step.result = "Midnight sun" if result["polar"] == "midnight_sun" else "Polar night"
            else:
                fmt = locale_format(request_locale(ctx))
                step.result = f"Sunrise {fmt.clock(result['sunrise'])}, sunset {fmt.clock(result['sunset'])}"
    return as_tool_output(result)
