"""Reads a trip request (destination, dates, length, budget) out of what the user typed.

Plain rules, no model: "4 days in Lisbon from 2027-03-12", "Kyoto",
"a weekend in Paris", "from 12 March to 15 March", then follow-ups like "make it 5 days",
"add a day" or "make it cheaper". Where is read by `destinations`, when and how long by `dates`.
A message in another of the planner's languages ("3 jours à Paris en mai") is read in English
(`languages.in_english`); the city is read from its own words.
The offline planner plans from it; thread titles and the card's length limit come from it too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from agents_app.trips.dates import read_when
from agents_app.trips.destinations import read_destination
from agents_app.trips.gazetteer import City, city_by_id
from agents_app.trips.languages import ENGLISH, in_english, language_of, locale_language

DEFAULT_DAYS = 3
# Two weeks out: far enough that an undated request gets a plausible future trip.
DEFAULT_LEAD_DAYS = 14
MAX_DAYS = 14

# Newest mention wins: "make it cheaper" after "4 days in Rome", "splurge a little" after that.
_BUDGET = re.compile(
    r"\b(?:cheap(?:er|est|ly)?|budget|low[- ]cost|inexpensive|affordable|shoestring|frugal|save money|less money)\b"
)
_NOT_BUDGET = re.compile(
    r"\b(?:no budget|luxur(?:y|ious)|splurge|upscale|money is no object|fancy|treat (?:myself|ourselves))\b"
)
# The user leaves the dates to the planner.
_FLEXIBLE = re.compile(
    r"\b(?:any ?time|whenever|flexible|you (?:choose|pick|decide)|up to you|doesn'?t matter|no preference"
    r"|surprise me)\b"
)


@dataclass(frozen=True, slots=True)
class TripRequest:
    """What the offline planner will plan: a city (None = not understood yet), first day and length."""

    city: City | None
    start: date
    days: int
    start_given: bool
    days_given: bool
    days_capped: bool = False
    budget: bool = False
    # The user left the dates to the planner ("any time", "you choose").
    dates_flexible: bool = False

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def with_dates(self, start: date, end: date) -> TripRequest:
        return replace(self, start=start, days=(end - start).days + 1)


@dataclass(frozen=True, slots=True)
class _Mentions:
    """What one message says; None for anything it does not mention."""

    city: City | None = None
    start: date | None = None
    days: int | None = None
    days_change: int | None = None
    budget: bool | None = None
    flexible: bool = False


def parse_trip_request(user_turns: Sequence[Sequence[str]], today: date, language: str | None = None) -> TripRequest:
    """The trip the conversation asks for, newest mention of each fact first.

    `user_turns` is oldest first; each turn is the user's text followed by any context ChatKit
    attached to it (quoted text, @-mentions, hidden context), which therefore counts for less.
    A change of length ("add a day") applies to the newest length stated before it.
    `language` is the conversation's (`request_language`), for messages too short to tell their own.
    """
    city: City | None = None
    start: date | None = None
    days: int | None = None
    days_change = 0
    budget: bool | None = None
    flexible = False
    for turn in reversed(user_turns):
        for text in turn:
            found = _mentions(text, today, language)
            city = city or found.city
            start = start or found.start
            if days is None:
                days = found.days
                if days is None:
                    days_change += found.days_change or 0
            budget = found.budget if budget is None else budget
            flexible = flexible or found.flexible
    wanted = (days or DEFAULT_DAYS) + days_change
    return TripRequest(
        city=city,
        start=start or today + timedelta(days=DEFAULT_LEAD_DAYS),
        days=max(1, min(wanted, MAX_DAYS)),
        start_given=start is not None,
        days_given=days is not None or days_change != 0,
        days_capped=wanted > MAX_DAYS,
        budget=bool(budget),
        dates_flexible=flexible,
    )


def tagged_place(geonameid: int, latitude: float, longitude: float) -> str:
    """How a place the user tagged with "@" is named to the model, exactly (read back by `_mentions`)."""
    return f"(the place the user tagged: GeoNames {geonameid}, {latitude:.5f}, {longitude:.5f})"


_TAGGED = re.compile(r"\(the place the user tagged: GeoNames (\d+),")


def request_language(user_turns: Sequence[Sequence[str]], locale: str | None) -> str:
    """The language to answer in: the locale's, until a message tells another (each message is read
    expecting the language of the conversation so far, so a short "egal wann" stays German)."""
    language = locale_language(locale)
    for turn in user_turns:
        if turn:
            language = language_of(turn[0], language) or language
    return language


def _mentions(text: str, today: date, language: str | None) -> _Mentions:
    lowered = in_english(text, language_of(text, language) or language or ENGLISH)
    when = read_when(lowered, today)
    budget = False if _NOT_BUDGET.search(lowered) else True if _BUDGET.search(lowered) else None
    tagged = _TAGGED.search(text)
    return _Mentions(
        city=city_by_id(int(tagged.group(1))) if tagged else read_destination(text),
        start=when.start,
        days=when.days,
        days_change=when.days_change,
        budget=budget,
        flexible=bool(_FLEXIBLE.search(lowered)),
    )
