"""The `local_time` tool: the current local time and UTC offset at a city."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from agents import function_tool
from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time

from agents_app.context import PlannerRunContext, request_locale
from agents_app.progress import tool_progress
from agents_app.tools.places import lookup_city
from agents_app.tools.results import ToolInputError, ToolResult, as_tool_output, is_error


def current_utc_time() -> datetime:
    """Now, in UTC. The tool reads the clock only through here, so tests can replace it."""
    return datetime.now(UTC)


def _utc_offset(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _display(moment: datetime, locale: str | None) -> str:
    """The local date and time as the user's locale writes it ("Fri, 12 Mar 2027, 09:30" in en-GB)."""
    try:
        babel_locale = Locale.parse(locale or "en", sep="-" if "-" in (locale or "") else "_")
    except (ValueError, UnknownLocaleError):
        babel_locale = Locale.parse("en")
    # A skeleton and a "short" time, not fixed patterns: babel orders the fields and picks
    # 12- or 24-hour time as the locale does.
    day = format_skeleton("yMMMEd", moment, tzinfo=moment.tzinfo, locale=babel_locale)
    return f"{day}, {format_time(moment, 'short', tzinfo=moment.tzinfo, locale=babel_locale)}"


def local_time(
    city: str, country: str | None = None, *, now: datetime | None = None, locale: str | None = None
) -> ToolResult:
    """The local time at `city` at the instant `now` (default: the real now; naive means UTC)."""
    try:
        place = lookup_city(city, country)
    except ToolInputError as error:
        return error.as_result()
    instant = now or current_utc_time()
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    local = instant.astimezone(ZoneInfo(place.timezone))
    return {
        "city": place.name,
        "country_code": place.country_code,
        "timezone": place.timezone,
        "local_time": local.isoformat(timespec="minutes"),
        "date": local.date().isoformat(),
        "weekday": local.strftime("%A"),
        "time": local.strftime("%H:%M"),
        "utc_offset": _utc_offset(local.utcoffset()),
        "abbreviation": local.tzname(),
        "is_dst": bool(local.dst()),
        "display": _display(local, locale),
    }


@function_tool(name_override="local_time")
async def local_time_tool(ctx: PlannerRunContext, city: str, country: str | None = None) -> str:
    """The current local date, time and UTC offset at a city (and whether daylight saving is on).

    Returns an object with `error` and `message` for an unknown city.

    Args:
        city: The city's name, e.g. "Lisbon".
        country: Optional country name or ISO code to pick among same-named cities, e.g. "PT".
    """
    locale = request_locale(ctx)
    async with tool_progress(ctx, f"Checking the local time in {city}", "clock") as step:
        result = await asyncio.to_thread(local_time, city, country, now=current_utc_time(), locale=locale)
        if not is_error(result):
            step.title = f"Checked the local time in {result['city']}"
            step.result = result["display"]
    return as_tool_output(result)
