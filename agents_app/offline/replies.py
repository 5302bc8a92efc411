"""Writes the offline planner's replies: a day-by-day plan from the tools' facts, a question, or a map confirmation.

In the language active when they are called (`turns` activates the request's), from the gettext
catalogues in agents_app/locale; dates, times and numbers the user's way (`agents_app.trips.locales`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.utils.translation import get_language, gettext_noop, ngettext
from django.utils.translation import gettext as _

from agents_app.trips.days import middle_day_plan
from agents_app.trips.gazetteer import City, country
from agents_app.trips.locales import HOUSE_STYLE, LocaleFormat, city_name, country_name
from agents_app.trips.requests import DEFAULT_LEAD_DAYS, MAX_DAYS, TripRequest

OFFLINE_NOTICE = gettext_noop("(Offline planner — no AI model is configured.)")


def ask_for_destination(user_said_something: bool) -> str:
    """The reply when no destination could be read from the conversation."""
    opening = _("I couldn't find a city I know in your message.") + " " if user_said_something else ""
    question = _(
        "Where would you like to go, and when? Tell me a destination city and, if you know them, your dates — "
        'for example "4 days in Lisbon from 12 March" or "a weekend in Kyoto next month".'
    )
    return f"{_(OFFLINE_NOTICE)}\n\n{opening}{question}"


def ask_for_dates(request: TripRequest) -> str:
    """The reply when the destination is known but not when the trip starts: ask rather than guess."""
    assert request.city is not None
    place = _place(request.city)
    if request.days_given:
        question = _("When would you like to start your %(days)s in %(place)s?") % {
            "days": _days(request.days),
            "place": place,
        }
    else:
        question = _("When would you like to go to %(place)s, and for how many days?") % {"place": place}
    examples = _(
        'For example "from 12 March", "mid-June" or "next weekend". '
        "If your dates are flexible, say so and I'll pick some."
    )
    return f"{_(OFFLINE_NOTICE)}\n\n{question} {examples}"


# The offline planner's form (the `ask_user` tool): its questions and suggested answers. The
# suggestions are answers the planner reads back, in each language (tests/offline/test_languages.py).
DESTINATION_QUESTION = gettext_noop("Where would you like to go?")
DESTINATION_CHOICES = ["Lisbon", "Kyoto", "Paris", "New York"]
DATES_CHOICES = [gettext_noop("This weekend"), gettext_noop("Next month"), gettext_noop("Any time")]
LENGTH_QUESTION = gettext_noop("For how many days?")
LENGTH_CHOICES = [gettext_noop("2 days"), gettext_noop("3 days"), gettext_noop("5 days"), gettext_noop("A week")]


def trip_questions(request: TripRequest) -> list[dict[str, Any]]:
    """What the form asks when the destination or the dates are missing (the length, when that is too)."""
    questions = []
    if request.city is None:
        destinations = [_city(name) for name in DESTINATION_CHOICES]
        questions.append({"about": "destination", "question": _(DESTINATION_QUESTION), "choices": destinations})
    if not request.start_given and not request.dates_flexible:
        dates = [_(choice) for choice in DATES_CHOICES]
        questions.append({"about": "dates", "question": dates_question(request.city), "choices": dates})
        if not request.days_given:
            lengths = [_(choice) for choice in LENGTH_CHOICES]
            questions.append({"about": "length", "question": _(LENGTH_QUESTION), "choices": lengths})
    return questions


def dates_question(city: City | None) -> str:
    """The form's question about the dates, naming the city when there is one."""
    if city is None:
        return _("When would you like to go?")
    return _("When would you like to go to %(city)s?") % {"city": _city(city.name)}


def ask_what_to_map() -> str:
    """The reply to a map request before any place has come up."""
    question = _('Which place should I show on the map? Name a city, for example "%(city)s".') % {
        "city": _city("Lisbon")
    }
    return f"{_(OFFLINE_NOTICE)}\n\n{question}"


def map_reply(place: str, result: Mapping[str, Any] | None) -> str:
    """The reply once the browser has answered the `open_map` client tool."""
    place = _city(place)
    if result and "error" in result:
        reason = result.get("message") or result["error"]
        link = result.get("url")
        text = _("Your browser couldn't open the map of %(place)s (%(reason)s).") % {"place": place, "reason": reason}
        if link:
            text += " " + _("You can open it yourself: %(link)s") % {"link": link}
        return f"{_(OFFLINE_NOTICE)}\n\n{text}"
    text = _("I've opened %(place)s on a map in your browser. Tell me if you'd like to change the plan.") % {
        "place": place
    }
    return f"{_(OFFLINE_NOTICE)}\n\n{text}"


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
    name, country_named = _names(request, city)
    holidays = _holidays_by_date(results.get("public_holidays"))
    sun = results.get("sun_times") or {}

    heading = _("%(days)s in %(city)s, %(country)s") % {
        "days": _days(request.days),
        "city": name,
        "country": country_named,
    }
    if request.budget:
        heading += " " + _("(budget trip)")
    lines = [
        _(OFFLINE_NOTICE),
        "",
        "**" + _("%(heading)s: %(when)s") % {"heading": heading, "when": _when(request, fmt)} + "**",
        "",
        *_facts(name, city, sun, results.get("local_time"), results.get("public_holidays"), country_named, fmt),
        "",
    ]
    for offset in range(request.days):
        day = request.start + timedelta(days=offset)
        plan = _day_plan(offset, request, day, sun, holidays, fmt)
        # A blank line after each day: in Markdown, adjacent lines would run into one paragraph.
        label = _("Day %(number)s — %(date)s:") % {"number": offset + 1, "date": fmt.day(day)}
        lines += [f"**{label}** {plan}", ""]
    closing = _("Tell me your interests, pace or budget, or change the dates, and I'll adjust the plan.")
    if card_shown:
        card = _(
            "The itinerary card has a row for each day; its buttons add a day, shorten the trip or make it "
            'cheaper, and "show it on a map" opens the city in your browser.'
        )
        closing = f"{card} {closing}"
    lines.append(" ".join([*_assumptions(request, fmt), closing]))
    return "\n".join(lines).strip()


def compose_facts(request: TripRequest, results: Mapping[str, dict[str, Any]], fmt: LocaleFormat = HOUSE_STYLE) -> str:
    """The facts the tools returned for `request`'s city and dates, and no plan (the "Daylight and holidays" mode)."""
    assert request.city is not None, "facts need a place"
    city = results.get("find_city") or {}
    name, country_named = _names(request, city)
    facts = _facts(
        name,
        city,
        results.get("sun_times") or {},
        results.get("local_time"),
        results.get("public_holidays"),
        country_named,
        fmt,
    )
    closing = _("Ask me to plan the trip day by day whenever you like.")
    place = f"{name}, {country_named}"
    heading = "**" + _("%(heading)s: %(when)s") % {"heading": place, "when": _when(request, fmt)} + "**"
    return "\n".join([_(OFFLINE_NOTICE), "", heading, "", *facts, "", closing])


def _names(request: TripRequest, city: Mapping[str, Any]) -> tuple[str, str]:
    """The city's and the country's names in the reply's language (the tool's own, in English)."""
    assert request.city is not None
    found = city["name"] if "error" not in city and city.get("name") else request.city.name
    return _city(found, request.city.timezone), _country(request.city.country_code, city.get("country"))


def _when(request: TripRequest, fmt: LocaleFormat) -> str:
    end = fmt.day(request.end, year=True)
    if request.days == 1:
        return end
    start = fmt.day(request.start, year=request.start.year != request.end.year)
    return _("%(start)s to %(end)s") % {"start": start, "end": end}


def _facts(
    city_named: str,
    city: Mapping[str, Any],
    sun: Mapping[str, Any],
    clock: Mapping[str, Any] | None,
    holidays: Mapping[str, Any] | None,
    country_named: str,
    fmt: LocaleFormat,
) -> list[str]:
    facts = []
    if "error" in city:
        facts.append(
            "- " + _("I couldn't look up %(city)s: %(reason)s") % {"city": city_named, "reason": city["message"]}
        )
    elif city:
        about = _("%(city)s: population %(population)s") % {
            "city": city_named,
            "population": fmt.number(city["population"]),
        }
        if city.get("currency"):
            currency = fmt.currency_name(city["currency_code"]) if get_language() != "en" else city["currency"]
            about += "; " + _("currency %(currency)s (%(code)s)") % {
                "currency": currency,
                "code": city["currency_code"],
            }
        facts.append(f"- {about}; " + _("time zone %(zone)s.") % {"zone": city["timezone"]})
    if clock and "error" not in clock:
        now = f"{fmt.weekday(clock['weekday'])} {fmt.clock(clock['time'])}"
        facts.append(
            "- " + _("Local time there now: %(now)s (UTC%(offset)s).") % {"now": now, "offset": clock["utc_offset"]}
        )
    if sun and "error" not in sun:
        when = fmt.day(date.fromisoformat(sun["date"]))
        if sun.get("polar") == "midnight_sun":
            facts.append("- " + _("Daylight on %(date)s: the sun does not set (midnight sun).") % {"date": when})
        elif sun.get("polar") == "polar_night":
            facts.append(
                "- "
                + _("Daylight on %(date)s: the sun does not rise (polar night); plan around the midday twilight.")
                % {"date": when}
            )
        else:
            facts.append(
                "- "
                + _("Daylight on %(date)s: sunrise %(sunrise)s, sunset %(sunset)s (%(length)s).")
                % {
                    "date": when,
                    "sunrise": fmt.clock(sun["sunrise"]),
                    "sunset": fmt.clock(sun["sunset"]),
                    "length": sun["day_length"],
                }
            )
    if holidays and "error" in holidays:
        facts.append("- " + _("Public holidays: I couldn't check them (%(reason)s).") % {"reason": holidays["message"]})
    elif holidays is not None:
        listed = holidays.get("holidays") or []
        if not listed:
            facts.append("- " + _("Public holidays: none in %(country)s on these dates.") % {"country": country_named})
        for holiday in listed:
            day = fmt.day(date.fromisoformat(holiday["date"]))
            facts.append(
                "- ⚠ "
                + _(
                    "%(date)s is a public holiday in %(country)s (%(holiday)s): "
                    "expect closed shops and museums and holiday transport timetables."
                )
                % {"date": day, "country": country_named, "holiday": holiday["name"]}
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
        if sunset:
            plan = _(
                "Arrive early, see the main sights on foot, and keep the evening for a good dinner "
                "after the %(sunset)s sunset."
            ) % {"sunset": sunset}
        else:
            plan = _("Arrive early, see the main sights on foot, and keep the evening for a good dinner.")
    elif offset == 0:
        if sunset:
            plan = _(
                "Arrive and settle in; an unhurried walk through the old centre, "
                "ending at a viewpoint for the %(sunset)s sunset."
            ) % {"sunset": sunset}
        else:
            plan = _("Arrive and settle in; an unhurried walk through the old centre and an early dinner.")
    elif offset == total - 1:
        plan = _("A last breakfast and a final stroll or some souvenir shopping, then departure.")
    else:
        plan = middle_day_plan(offset, budget=request.budget)
    if day in holidays:
        plan += " " + _("Public holiday (%(holiday)s): check opening hours before you go.") % {"holiday": holidays[day]}
    elif day.weekday() >= 5 and 0 < offset < total - 1:
        plan += " " + _("It's the weekend: book popular sights ahead.")
    return plan


def _assumptions(request: TripRequest, fmt: LocaleFormat) -> list[str]:
    notes = []
    if not request.start_given:
        assumed = fmt.day(request.start, year=True)
        notes.append(
            _("You left the dates to me, so I picked %(date)s (%(lead)s days from today).")
            % {"date": assumed, "lead": DEFAULT_LEAD_DAYS}
        )
    if request.days_capped:
        notes.append(_("I've planned the first %(max)s days; ask for the rest separately.") % {"max": MAX_DAYS})
    elif not request.days_given:
        notes.append(_("You didn't say how long, so I planned %(days)s.") % {"days": _days(request.days)})
    return notes


def _holidays_by_date(result: Mapping[str, Any] | None) -> dict[date, str]:
    if not result or "error" in result:
        return {}
    return {date.fromisoformat(h["date"]): h["name"] for h in result.get("holidays") or []}


def _place(city: City) -> str:
    """ "Lisbon, Portugal", in the reply's language ("Lisbonne, Portugal")."""
    name = _city(city.name, city.timezone)
    return f"{name}, {_country(city.country_code)}" if country(city.country_code) else name


def _city(name: str, timezone: str | None = None) -> str:
    return city_name(name, get_language(), timezone)


def _country(code: str, english: str | None = None) -> str:
    """A country's name in the reply's language; `english` (a tool's) or geonames' name in English."""
    found = country(code)
    return country_name(code, english or (found.name if found else code), get_language())


def _days(count: int) -> str:
    return ngettext("%(count)s day", "%(count)s days", count) % {"count": count}


def thought(decision: str, request: TripRequest, results: Mapping[str, Any], fmt: LocaleFormat = HOUSE_STYLE) -> str:
    """What the planner thought before it wrote a reply (shown as ChatKit's thoughts, as a reasoning model's
    summary is). `decision`: "ask_destination", "ask_dates", "ask_what_to_map", "mapped", "facts" or "plan"."""
    if decision == "mapped":
        return _("The browser has answered the map request, so I will say what it showed.")
    if request.city is None:
        if decision == "ask_what_to_map":
            return _("No destination yet, so I will ask which place to show on the map.")
        return _("No destination yet, so I will ask where they would like to go.")
    city = _city(request.city.name, request.city.timezone)
    if decision == "ask_dates":
        return _("They want to go to %(city)s but gave no dates, so I will ask when before planning.") % {"city": city}
    when = _("%(days)s in %(city)s from %(date)s") % {
        "days": _days(request.days),
        "city": city,
        "date": fmt.day(request.start, year=True),
    }
    count = len((results.get("public_holidays") or {}).get("holidays") or [])
    holidays = {0: _("no public holiday"), 1: _("one public holiday")}.get(count) or ngettext(
        "%(count)s public holiday", "%(count)s public holidays", count
    ) % {"count": count}
    on_the_way = _("%(when)s: %(holidays)s on the way.") % {"when": when, "holidays": holidays}
    if decision == "facts":
        return f"{on_the_way} " + _("They asked for the facts alone, so no day-by-day plan.")
    return f"{on_the_way} " + _("I will write the plan day by day, as the itinerary shows it.")
