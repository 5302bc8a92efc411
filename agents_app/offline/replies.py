"""Writes the offline planner's replies: a day-by-day plan from the tools' facts, a question, or a map confirmation.

Always English; dates, times and numbers are written the user's way (`agents_app.trips.locales`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from agents_app.trips.days import middle_day_plan
from agents_app.trips.gazetteer import country
from agents_app.trips.locales import HOUSE_STYLE, LocaleFormat
from agents_app.trips.requests import DEFAULT_LEAD_DAYS, MAX_DAYS, TripRequest

OFFLINE_NOTICE = "(Offline planner — no AI model is configured.)"


def ask_for_destination(user_said_something: bool) -> str:
    """The reply when no destination could be read from the conversation."""
    opening = "I couldn't find a city I know in your message. " if user_said_something else ""
    return (
        f"{OFFLINE_NOTICE}\n\n{opening}Where would you like to go, and when? Tell me a destination city "
        'and, if you know them, your dates — for example "4 days in Lisbon from 12 March" or '
        '"a weekend in Kyoto next month".'
    )


def ask_for_dates(request: TripRequest) -> str:
    """The reply when the destination is known but not when the trip starts: ask rather than guess."""
    assert request.city is not None
    place = _place(request.city.name, request.city.country_code)
    if request.days_given:
        question = f"When would you like to start your {_days(request.days)} in {place}?"
    else:
        question = f"When would you like to go to {place}, and for how many days?"
    return (
        f'{OFFLINE_NOTICE}\n\n{question} For example "from 12 March", "mid-June" or "next weekend". '
        "If your dates are flexible, say so and I'll pick some."
    )


# The offline planner's form (the `ask_user` tool): its questions and suggested answers.
DESTINATION_QUESTION = "Where would you like to go?"
DESTINATION_CHOICES = ["Lisbon", "Kyoto", "Paris", "New York"]
DATES_CHOICES = ["This weekend", "Next month", "Any time"]
LENGTH_QUESTION = "For how many days?"
LENGTH_CHOICES = ["2 days", "3 days", "5 days", "A week"]


def trip_questions(request: TripRequest) -> list[dict[str, Any]]:
    """What the form asks when the destination or the dates are missing (the length, when that is too)."""
    questions = []
    if request.city is None:
        questions.append({"about": "destination", "question": DESTINATION_QUESTION, "choices": DESTINATION_CHOICES})
    if not request.start_given and not request.dates_flexible:
        where = f" to {request.city.name}" if request.city is not None else ""
        questions.append({"about": "dates", "question": f"When would you like to go{where}?", "choices": DATES_CHOICES})
        if not request.days_given:
            questions.append({"about": "length", "question": LENGTH_QUESTION, "choices": LENGTH_CHOICES})
    return questions


def ask_what_to_map() -> str:
    """The reply to a map request before any place has come up."""
    return f'{OFFLINE_NOTICE}\n\nWhich place should I show on the map? Name a city, for example "Lisbon".'


def map_reply(place: str, result: Mapping[str, Any] | None) -> str:
    """The reply once the browser has answered the `open_map` client tool."""
    if result and "error" in result:
        reason = result.get("message") or result["error"]
        link = result.get("url")
        fallback = f" You can open it yourself: {link}" if link else ""
        return f"{OFFLINE_NOTICE}\n\nYour browser couldn't open the map of {place} ({reason}).{fallback}"
    return (
        f"{OFFLINE_NOTICE}\n\nI've opened {place} on a map in your browser. Tell me if you'd like to change the plan."
    )


def compose_plan(
    request: TripRequest,
    results: Mapping[str, dict[str, Any]],
    fmt: LocaleFormat = HOUSE_STYLE,
    *,
    card_shown: bool = False,
) -> str:
    """The day-by-day plan for `request`, stating the facts the tools returned under `results` (by tool name)."""
    assert request.city is not None, "a plan needs a destination"
    city = results.get("find_city") or {}
    city_name: str = city["name"] if "error" not in city and city.get("name") else request.city.name
    found_country = country(request.city.country_code)
    country_name = city.get("country") or (found_country.name if found_country else request.city.country_code)
    holidays = _holidays_by_date(results.get("public_holidays"))
    sun = results.get("sun_times") or {}

    when = fmt.day(request.end, year=True)
    if request.days > 1:
        when = f"{fmt.day(request.start, year=request.start.year != request.end.year)} to {when}"
    heading = f"{_days(request.days)} in {city_name}, {country_name}" + (" (budget trip)" if request.budget else "")
    lines = [
        OFFLINE_NOTICE,
        "",
        f"**{heading}: {when}**",
        "",
        *_facts(city_name, city, sun, results.get("local_time"), results.get("public_holidays"), country_name, fmt),
        "",
    ]
    for offset in range(request.days):
        day = request.start + timedelta(days=offset)
        plan = _day_plan(offset, request, day, sun, holidays, fmt)
        # A blank line after each day: in Markdown, adjacent lines would run into one paragraph.
        lines += [f"**Day {offset + 1} — {fmt.day(day)}:** {plan}", ""]
    closing = "Tell me your interests, pace or budget, or change the dates, and I'll adjust the plan."
    if card_shown:
        closing = (
            "The itinerary card has a row for each day; its buttons add a day, shorten the trip or make it "
            'cheaper, and "show it on a map" opens the city in your browser. ' + closing
        )
    lines.append(" ".join([*_assumptions(request, fmt), closing]))
    return "\n".join(lines).strip()


def compose_facts(request: TripRequest, results: Mapping[str, dict[str, Any]], fmt: LocaleFormat = HOUSE_STYLE) -> str:
    """The facts the tools returned for `request`'s city and dates, and no plan (the "Daylight and holidays" mode)."""
    assert request.city is not None, "facts need a place"
    city = results.get("find_city") or {}
    city_name: str = city["name"] if "error" not in city and city.get("name") else request.city.name
    found_country = country(request.city.country_code)
    country_name = city.get("country") or (found_country.name if found_country else request.city.country_code)
    when = fmt.day(request.end, year=True)
    if request.days > 1:
        when = f"{fmt.day(request.start, year=request.start.year != request.end.year)} to {when}"
    facts = _facts(
        city_name,
        city,
        results.get("sun_times") or {},
        results.get("local_time"),
        results.get("public_holidays"),
        country_name,
        fmt,
    )
    closing = "Ask me to plan the trip day by day whenever you like."
    return "\n".join([OFFLINE_NOTICE, "", f"**{city_name}, {country_name}: {when}**", "", *facts, "", closing])


def _facts(
    city_name: str,
    city: Mapping[str, Any],
    sun: Mapping[str, Any],
    clock: Mapping[str, Any] | None,
    holidays: Mapping[str, Any] | None,
    country_name: str,
    fmt: LocaleFormat,
) -> list[str]:
    facts = []
    if "error" in city:
        facts.append(f"- I couldn't look up {city_name}: {city['message']}")
    elif city:
        about = f"- {city_name}: population {fmt.number(city['population'])}"
        if city.get("currency"):
            about += f"; currency {city['currency']} ({city['currency_code']})"
        facts.append(f"{about}; time zone {city['timezone']}.")
    if clock and "error" not in clock:
        now = f"{clock['weekday']} {fmt.clock(clock['time'])}"
        facts.append(f"- Local time there now: {now} (UTC{clock['utc_offset']}).")
    if sun and "error" not in sun:
        when = fmt.day(date.fromisoformat(sun["date"]))
        if sun.get("polar") == "midnight_sun":
            facts.append(f"- Daylight on {when}: the sun does not set (midnight sun).")
        elif sun.get("polar") == "polar_night":
            facts.append(f"- Daylight on {when}: the sun does not rise (polar night); plan around the midday twilight.")
        else:
            facts.append(
                f"- Daylight on {when}: sunrise {fmt.clock(sun['sunrise'])}, sunset {fmt.clock(sun['sunset'])} "
                f"({sun['day_length']})."
            )
    if holidays and "error" in holidays:
        facts.append(f"- Public holidays: I couldn't check them ({holidays['message']}).")
    elif holidays is not None:
        listed = holidays.get("holidays") or []
        if not listed:
            facts.append(f"- Public holidays: none in {country_name} on these dates.")
        for holiday in listed:
            day = fmt.day(date.fromisoformat(holiday["date"]))
            facts.append(
                f"- ⚠ {day} is a public holiday in {country_name} ({holiday['name']}): "
                "expect closed shops and museums and holiday transport timetables."
            )
    return facts


def _day_plan(
    offset: int,
    request: TripRequest,
    day: date,
    sun: Mapping[str, Any],
    holidays: Mapping[date, str],
    fmt: LocaleFormat,
) -> str:
    total = request.days
    sunset = fmt.clock(sun["sunset"]) if "error" not in sun and sun.get("sunset") else None
    if total == 1:
        plan = "Arrive early, see the main sights on foot, and keep the evening for a good dinner"
        plan += f" after the {sunset} sunset." if sunset else "."
    elif offset == 0:
        plan = "Arrive and settle in; an unhurried walk through the old centre"
        plan += f", ending at a viewpoint for the {sunset} sunset." if sunset else " and an early dinner."
    elif offset == total - 1:
        plan = "A last breakfast and a final stroll or some souvenir shopping, then departure."
    else:
        plan = middle_day_plan(offset, budget=request.budget)
    if day in holidays:
        plan += f" Public holiday ({holidays[day]}): check opening hours before you go."
    elif day.weekday() >= 5 and 0 < offset < total - 1:
        plan += " It's the weekend: book popular sights ahead."
    return plan


def _assumptions(request: TripRequest, fmt: LocaleFormat) -> list[str]:
    notes = []
    if not request.start_given:
        assumed = fmt.day(request.start, year=True)
        notes.append(f"You left the dates to me, so I picked {assumed} ({DEFAULT_LEAD_DAYS} days from today).")
    if request.days_capped:
        notes.append(f"I've planned the first {MAX_DAYS} days; ask for the rest separately.")
    elif not request.days_given:
        notes.append(f"You didn't say how long, so I planned {_days(request.days)}.")
    return notes


def _holidays_by_date(result: Mapping[str, Any] | None) -> dict[date, str]:
    if not result or "error" in result:
        return {}
    return {date.fromisoformat(h["date"]): h["name"] for h in result.get("holidays") or []}


def _place(city_name: str, country_code: str) -> str:
    found = country(country_code)
    return f"{city_name}, {found.name}" if found else city_name


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def thought(decision: str, request: TripRequest, results: Mapping[str, Any], fmt: LocaleFormat = HOUSE_STYLE) -> str:
    """What the planner thought before it wrote a reply (shown as ChatKit's thoughts, as a reasoning model's
    summary is). `decision`: "ask_destination", "ask_dates", "ask_what_to_map", "mapped", "facts" or "plan"."""
    if decision == "mapped":
        return "The browser has answered the map request, so I will say what it showed."
    if request.city is None:
        asked = "which place to show on the map" if decision == "ask_what_to_map" else "where they would like to go"
        return f"No destination yet, so I will ask {asked}."
    city = request.city.name
    if decision == "ask_dates":
        return f"They want to go to {city} but gave no dates, so I will ask when before planning."
    when = f"{_days(request.days)} in {city} from {fmt.day(request.start, year=True)}"
    holidays = len((results.get("public_holidays") or {}).get("holidays") or [])
    on_the_way = {0: "no public holiday", 1: "one public holiday"}.get(holidays, f"{holidays} public holidays")
    if decision == "facts":
        return f"{when}: {on_the_way} on the way. They asked for the facts alone, so no day-by-day plan."
    return f"{when}: {on_the_way} on the way. I will write the plan day by day, as the itinerary shows it."
