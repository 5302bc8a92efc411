"""The `find_city` tool: facts about a city (country, coordinates, population, time zone, currency)."""

from __future__ import annotations

import asyncio

from agents import function_tool

from agents_app.context import PlannerRunContext, request_locale
from agents_app.progress import tool_progress
from agents_app.tools.results import ToolInputError, ToolResult, as_tool_output, is_error
from agents_app.trips.gazetteer import City, cities_named, country, resolve_country
from agents_app.trips.locales import locale_format

# Enough for the model to notice an ambiguity ("Paris, Texas?") without flooding its context.
_MAX_OTHER_MATCHES = 3


FIND_CITY = "find_city"


def lookup_city(name: str, country_name: str | None = None) -> City:
    """The most populous city called `name` (in `country_name` if given); raises ToolInputError if none."""
    name = (name or "").strip()
    if not name:
        raise ToolInputError("missing_city", "No city name was given.")
    country_code = None
    if country_name and country_name.strip():
        found_country = resolve_country(country_name)
        if found_country is None:
            raise ToolInputError("unknown_country", f"No country called {country_name!r} is known.")
        country_code = found_country.code
    matches = cities_named(name, country_code)
    if not matches:
        where = f" in {country_name}" if country_code else ""
        raise ToolInputError(
            "unknown_city",
            f"No city called {name!r}{where} is in the offline gazetteer (cities of 15,000 people or more).",
        )
    return matches[0]


def city_facts(city: City) -> ToolResult:
    """The JSON-able facts every tool reports about the city it worked on."""
    found_country = country(city.country_code)
    return {
        "name": city.name,
        "country_code": city.country_code,
        "country": found_country.name if found_country else city.country_code,
        "latitude": city.latitude,
        "longitude": city.longitude,
        "population": city.population,
        "timezone": city.timezone,
        "currency_code": found_country.currency_code if found_country else None,
        "currency": found_country.currency_name if found_country else None,
    }


def find_city(name: str, country: str | None = None) -> ToolResult:
    """Facts about the most populous city called `name`, plus a few other cities of that name."""
    try:
        best = lookup_city(name, country)
    except ToolInputError as error:
        return error.as_result()
    others = [c for c in cities_named(name, best.country_code if country else None) if c != best]
    return {
        **city_facts(best),
        "other_matches": [
            {"name": c.name, "country_code": c.country_code, "population": c.population}
            for c in others[:_MAX_OTHER_MATCHES]
        ],
    }


@function_tool(name_override=FIND_CITY)
async def find_city_tool(ctx: PlannerRunContext, name: str, country: str | None = None) -> str:
    """Look up a city: its country, latitude/longitude, population, IANA time zone and currency.

    Matches any common spelling, with or without accents ("Lisbon", "Lisboa", "Koln"); when several
    cities share the name, the most populous is returned and the others are listed in `other_matches`.
    Returns an object with `error` and `message` if no such city is known.

    Args:
        name: The city's name, e.g. "Lisbon" or "Kyoto".
        country: Optional country name or ISO code to pick among same-named cities, e.g. "PT" or "Portugal".
    """
    async with tool_progress(ctx, f"Looking up {name}", "map-pin") as step:
        # Off the event loop: the first lookup in a process builds the gazetteer.
        result = await asyncio.to_thread(find_city, name, country)
        if not is_error(result):
            population = locale_format(request_locale(ctx)).number(result["population"])
            step.title = f"Found {result['name']}, {result['country']}"
            step.result = f"Population {population} · time zone {result['timezone']}"
    return as_tool_output(result)
