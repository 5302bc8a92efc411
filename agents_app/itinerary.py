"""Writes the offline planner's replies: a day-by-day plan from the tools' facts, or a question for the user."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from agents_app.gazetteer import country
from agents_app.trip_request import DEFAULT_LEAD_DAYS, MAX_DAYS, TripRequest

OFFLINE_NOTICE = "(Offline planner — no AI model is configured.)"

# Middle days cycle through these, so a long trip is not one day repeated.
_DAY_THEMES = (
    "The main sights and a museum in the morning, lunch at a local market, "
    "the historic quarter on foot in the afternoon.",
    "A neighbourhood beyond the centre: parks, cafés and small shops at an easy pace.",
    "A half-day trip out of town, back in time for dinner somewhere the locals go.",
    "Galleries or a guided walking tour in the morning; a free afternoon to revisit favourites.",
)


def ask_for_destination(user_said_something: bool) -> str:
    """The reply when no destination could be read from the conversation."""
    opening = "I couldn't find a city I know in your message. " if user_said_something else ""
    return (
        f"{OFFLINE_NOTICE}\n\n{opening}Where would you like to go, and when? Tell me a destination city "
        'and, if you know them, your dates — for example "4 days in Lisbon from 2027-03-12" or '
        '"a weekend in Paris".'
    )


def compose_plan(request: TripRequest, results: Mapping[str, dict[str, Any]]) -> str:
    """The day-by-day plan for `request`, stating the facts the tools returned under `results` (by tool name)."""
    assert request.city is not None, "a plan needs a destination"
    city = results.get("find_city") or {}
    city_name = city.get("name") if "error" not in city and city.get("name") else request.city.name
    found_country = country(request.city.country_code)
    country_name = city.get("country") or (found_country.name if found_country else request.city.country_code)
    holidays = _holidays_by_date(results.get("public_holidays"))
    sun = results.get("sun_times") or {}

    when = _long_date(request.end)
    if request.days > 1:
        when = f"{_long_date(request.start, year=request.start.year != request.end.year)} to {when}"
    lines = [
        OFFLINE_NOTICE,
        "",
        f"**{_days(request.days)} in {city_name}, {country_name}: {when}**",
        "",
        *_facts(city_name, city, sun, results.get("local_time"), results.get("public_holidays"), country_name),
        "",
    ]
    for offset in range(request.days):
        day = request.start + timedelta(days=offset)
        plan = _day_plan(offset, request.days, day, sun, holidays)
        # A blank line after each day: in Markdown, adjacent lines would run into one paragraph.
        lines += [f"**Day {offset + 1} — {_long_date(day, year=False)}:** {plan}", ""]
    closing = "Tell me your interests, pace or budget, or change the dates, and I'll adjust the plan."
    lines.append(" ".join([*_assumptions(request), closing]))
    return "\n".join(lines).strip()


def _facts(
    city_name: str,
    city: Mapping[str, Any],
    sun: Mapping[str, Any],
    clock: Mapping[str, Any] | None,
    holidays: Mapping[str, Any] | None,
    country_name: str,
) -> list[str]:
    facts = []
    if "error" in city:
        facts.append(f"- I couldn't look up {city_name}: {city['message']}")
    elif city:
        about = f"- {city_name}: population {city['population']:,}"
        if city.get("currency"):
            about += f"; currency {city['currency']} ({city['currency_code']})"
        facts.append(f"{about}; time zone {city['timezone']}.")
    if clock and "error" not in clock:
        facts.append(f"- Local time there now: {clock['weekday']} {clock['time']} (UTC{clock['utc_offset']}).")
    if sun and "error" not in sun:
        when = _long_date(date.fromisoformat(sun["date"]), year=False)
        if sun.get("polar") == "midnight_sun":
            facts.append(f"- Daylight on {when}: the sun does not set (midnight sun).")
        elif sun.get("polar") == "polar_night":
            facts.append(f"- Daylight on {when}: the sun does not rise (polar night); plan around the midday twilight.")
        else:
            facts.append(
                f"- Daylight on {when}: sunrise {sun['sunrise']}, sunset {sun['sunset']} ({sun['day_length']})."
            )
    if holidays and "error" in holidays:
        facts.append(f"- Public holidays: I couldn't check them ({holidays['message']}).")
    elif holidays is not None:
        listed = holidays.get("holidays") or []
        if not listed:
            facts.append(f"- Public holidays: none in {country_name} on these dates.")
        for holiday in listed:
            day = _long_date(date.fromisoformat(holiday["date"]), year=False)
            facts.append(
                f"- ⚠ {day} is a public holiday in {country_name} ({holiday['name']}): "
                "expect closed shops and museums and holiday transport timetables."
            )
    return facts


def _day_plan(offset: int, total: int, day: date, sun: Mapping[str, Any], holidays: Mapping[date, str]) -> str:
    sunset = sun.get("sunset") if "error" not in sun else None
    if total == 1:
        plan = "Arrive early, see the main sights on foot, and keep the evening for a good dinner"
        plan += f" after the {sunset} sunset." if sunset else "."
    elif offset == 0:
        plan = "Arrive and settle in; an unhurried walk through the old centre"
        plan += f", ending at a viewpoint for the {sunset} sunset." if sunset else " and an early dinner."
    elif offset == total - 1:
        plan = "A last breakfast and a final stroll or some souvenir shopping, then departure."
    else:
        plan = _DAY_THEMES[(offset - 1) % len(_DAY_THEMES)]
    if day in holidays:
        plan += f" Public holiday ({holidays[day]}): check opening hours before you go."
    elif day.weekday() >= 5 and 0 < offset < total - 1:
        plan += " It's the weekend: book popular sights ahead."
    return plan


def _assumptions(request: TripRequest) -> list[str]:
    notes = []
    if not request.start_given:
        assumed = _long_date(request.start)
        notes.append(f"You didn't give a start date, so I assumed {assumed} ({DEFAULT_LEAD_DAYS} days from today).")
    if request.days_capped:
        notes.append(f"I've planned the first {MAX_DAYS} days; ask for the rest separately.")
    elif not request.days_given:
        notes.append(f"You didn't say how long, so I planned {_days(request.days)}.")
    return notes


def _holidays_by_date(result: Mapping[str, Any] | None) -> dict[date, str]:
    if not result or "error" in result:
        return {}
    return {date.fromisoformat(h["date"]): h["name"] for h in result.get("holidays") or []}


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _long_date(day: date, *, year: bool = True) -> str:
    text = f"{day:%A} {day.day} {day:%B}"
    return f"{text} {day.year}" if year else text
