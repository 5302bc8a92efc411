"""The `public_holidays` tool: national public holidays in a country between two dates."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

# Absolute import: this module's own name never shadows the `holidays` package (Python 3 has
# no implicit relative imports), but the alias keeps the two apart for readers.
import holidays as holiday_calendars
from agents import function_tool

from agents_app.context import PlannerRunContext, request_locale
from agents_app.progress import tool_progress
from agents_app.tools.results import ToolInputError, ToolResult, as_tool_output, is_error
from agents_app.trips.gazetteer import resolve_country
from agents_app.trips.locales import locale_format

# A trip-planning question never needs more than a year; longer spans only bloat the reply.
MAX_RANGE_DAYS = 366


def parse_iso_date(value: str, field: str) -> date:
    """A date from "YYYY-MM-DD"; raises ToolInputError naming the field otherwise."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ToolInputError("bad_date", f"{field} must be a date written YYYY-MM-DD, got {value!r}.") from None


def _holiday_language(supported: tuple[str, ...], default: str | None, locale: str | None) -> str | None:
    """The user's language if the calendar has it, else English, else the country's own."""
    wanted = [locale.replace("-", "_")] if locale else []
    if locale:
        wanted.append(locale.split("-")[0].split("_")[0])
    wanted += ["en_US", "en_GB", "en"]
    for language in wanted:
        if language in supported:
            return language
        same_language = sorted(s for s in supported if s.split("_")[0] == language)
        if same_language:
            return same_language[0]
    return default


def public_holidays(country: str, start_date: str, end_date: str, locale: str | None = None) -> ToolResult:
    """National public holidays in `country` from `start_date` to `end_date`, both inclusive."""
    try:
        start = parse_iso_date(start_date, "start_date")
        end = parse_iso_date(end_date, "end_date")
        if end < start:
            raise ToolInputError("bad_date_range", f"end_date {end} is before start_date {start}.")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise ToolInputError("range_too_long", f"Ask for at most {MAX_RANGE_DAYS} days at a time.")
        found = resolve_country(country or "")
        if found is None:
            raise ToolInputError("unknown_country", f"No country called {country!r} is known.")
        try:
            calendar: Any = holiday_calendars.country_holidays(found.code)
        except NotImplementedError:
            raise ToolInputError(
                "no_holiday_calendar", f"No public-holiday calendar is available for {found.name}."
            ) from None
    except ToolInputError as error:
        return error.as_result()

    language = _holiday_language(tuple(calendar.supported_languages), calendar.default_language, locale)
    calendar = holiday_calendars.country_holidays(found.code, years=range(start.year, end.year + 1), language=language)
    in_range = sorted((day, name) for day, name in calendar.items() if start <= day <= end)
    return {
        "country_code": found.code,
        "country": found.name,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "language": language,
        "holidays": [{"date": day.isoformat(), "weekday": day.strftime("%A"), "name": name} for day, name in in_range],
    }


@function_tool(name_override="public_holidays")
async def public_holidays_tool(ctx: PlannerRunContext, country: str, start_date: str, end_date: str) -> str:
    """List the national public holidays in a country between two dates (inclusive).

    Call it for every trip's dates: shops, museums and transport often close or run reduced
    hours on these days. Regional holidays are not included. Returns an object with `error`
    and `message` for an unknown country, a malformed date or a range over 366 days.

    Args:
        country: Country name or ISO code, e.g. "Portugal" or "PT" (the `country_code` from find_city).
        start_date: First day of the trip, YYYY-MM-DD.
        end_date: Last day of the trip, YYYY-MM-DD.
    """
    locale = request_locale(ctx)
    async with tool_progress(ctx, f"Checking public holidays in {country}", "calendar") as step:
        # Off the event loop: building a country's calendar takes milliseconds.
        result = await asyncio.to_thread(public_holidays, country, start_date, end_date, locale)
        if not is_error(result):
            fmt = locale_format(locale)
            step.title = f"Checked public holidays in {result['country']}"
            listed = [f"{fmt.short_day(date.fromisoformat(h['date']))}: {h['name']}" for h in result["holidays"]]
            step.result = "; ".join(listed) or "None on these dates"
    return as_tool_output(result)
