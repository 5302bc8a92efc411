"""Reads when and for how long out of what the user typed: dates, relative dates, trip lengths and changes to them.

Plain rules, no model: "from 12 March to 15 March", "2027-03-12", "a weekend next month",
"mid-June", "next Friday", "in two weeks", "4 days", "three nights", "a fortnight",
"add a day", "one day shorter". Everything works on lower-cased text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = "(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(\d{4}))?"
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DAY_RANGE = re.compile(
    rf"\b(\d{{1,2}}){_ORD}\s*(?:-|–|to|until|till|and)\s*(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH}\b{_YEAR}"
)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH}(?![a-z]){_YEAR}")
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}){_ORD}\b{_YEAR}")
# Part of a month: "mid-June", "early May", "the end of March".
_PART_OF_MONTH = re.compile(
    rf"\b(early|mid|middle of|late|end of|the end of|beginning of|start of)[\s-]+{_MONTH}(?![a-z]){_YEAR}"
)
_PART_DAY = {"early": 1, "beginning of": 1, "start of": 1, "mid": 15, "middle of": 15, "late": 22}
# A month on its own ("in March", "June 2027"); the trip then starts on its first day.
_MONTH_ONLY = re.compile(rf"\b(?:in|during|for|this|next)\s+{_MONTH}(?![a-z]){_YEAR}|\b{_MONTH}\s+(\d{{4}})\b")
# A weekday counts only after a word that makes it a date ("on Friday", "until Sunday"),
# not in "the Sunday market".
_CUED_WEEKDAY = re.compile(rf"\b(?:on|next|this|from|until|till|to|through|starting)\s+{_WEEKDAY}")
_WEEKDAY_RANGE = re.compile(rf"\b{_WEEKDAY}\s*(?:-|–|to|until|till|through)\s*{_WEEKDAY}")
_NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
        ]
    )
} | {"a": 1, "an": 1}
_COUNT = r"(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")"
_LENGTH = re.compile(rf"\b{_COUNT}[\s-]*(day|night|week)s?\b")
# "in two weeks", "in 3 days": how far away the trip is, not how long.
_LEAD_TIME = re.compile(rf"\b(?:in|within)\s+{_COUNT}\s+(day|week)s?\b")
# Changes to the length asked for in a follow-up; checked before lengths, so that "add a day"
# does not read as a one-day trip.
_LONGER = re.compile(
    rf"\b(?:add|plus)\s+{_COUNT}\s+(?:more\s+|extra\s+)?days?\b|\b{_COUNT}\s+(?:more|extra)\s+days?\b"
    rf"|\banother\s+day\b|\b{_COUNT}\s+days?\s+longer\b|\bmake\s+it\s+longer\b"
)
_SHORTER = re.compile(
    rf"\b(?:remove|drop|cut|minus|lose)\s+{_COUNT}\s+days?\b|\b{_COUNT}\s+(?:days?\s+)?(?:shorter|less|fewer)\b"
    rf"|\bmake\s+it\s+shorter\b"
)
_WEEKEND = re.compile(r"\b(?:(this|next)\s+)?(long\s+)?weekend\b")


@dataclass(frozen=True, slots=True)
class When:
    """What one message says about timing; None for anything it does not say."""

    start: date | None = None
    days: int | None = None
    days_change: int | None = None


def read_when(lowered: str, today: date) -> When:
    """The start date, length and change of length one lower-cased message asks for."""
    days_change, lowered = _length_change(lowered)
    lead, lowered = _lead_time(lowered, today)
    dates = _dates(lowered, today)
    start = dates[0] if dates else None
    days = _length(lowered)
    if start is not None and len(dates) > 1 and dates[1] > start and days is None:
        days = (dates[1] - start).days + 1
    weekend = _WEEKEND.search(lowered)
    if weekend:
        long_weekend = weekend.group(2) is not None
        days = days or (3 if long_weekend else 2)
        first_day = 4 if long_weekend else 5  # Friday or Saturday
        if start is None:
            start = _weekend_start(lowered, weekend.group(1), first_day, lead, today)
    start = start or lead or _relative_start(lowered, today)
    return When(start=start, days=days, days_change=days_change)


def _weekend_start(lowered: str, which: str | None, first_day: int, lead: date | None, today: date) -> date:
    """The first day of the weekend meant: this coming one (today included), next week's, or next month's first."""
    if re.search(r"\bnext\s+month\b", lowered):
        base = _first_of_next_month(today)
    elif which == "next":
        base = today + timedelta(days=7 - today.weekday())  # next week's Monday
    else:
        base = lead or today
    return base + timedelta(days=(first_day - base.weekday()) % 7)


def _relative_start(lowered: str, today: date) -> date | None:
    if re.search(r"\bday\s+after\s+tomorrow\b", lowered):
        return today + timedelta(days=2)
    if re.search(r"\btomorrow\b", lowered):
        return today + timedelta(days=1)
    if re.search(r"\btoday\b", lowered):
        return today
    if re.search(r"\bnext\s+week\b", lowered):
        return today + timedelta(days=7 - today.weekday())
    if re.search(r"\bnext\s+month\b", lowered):
        return _first_of_next_month(today)
    return None


def _first_of_next_month(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def _next_weekday(after: date, name: str) -> date:
    """The first such weekday after `after` ("on Friday", said on a Friday, is a week away)."""
    return after + timedelta(days=(_WEEKDAYS[name] - after.weekday()) % 7 or 7)


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _length_change(lowered: str) -> tuple[int | None, str]:
    """Days added (positive) or removed (negative) by a follow-up, and the text without that phrase."""
    for pattern, sign in ((_LONGER, 1), (_SHORTER, -1)):
        found = pattern.search(lowered)
        if found:
            counted = next((group for group in found.groups() if group), None)
            change = sign * (_count(counted) if counted else 1)
            return change, lowered[: found.start()] + " " + lowered[found.end() :]
    return None, lowered


def _lead_time(lowered: str, today: date) -> tuple[date | None, str]:
    found = _LEAD_TIME.search(lowered)
    if not found:
        return None, lowered
    count = _count(found.group(1)) * (7 if found.group(2) == "week" else 1)
    return today + timedelta(days=count), lowered[: found.start()] + " " + lowered[found.end() :]


def _dates(lowered: str, today: date) -> list[date]:
    """Every date written in the text, in reading order; impossible ones (30 February) skipped."""
    found: list[tuple[int, date]] = []
    taken: list[range] = []

    def add(position: int, span: range, year: int | None, month: int, day: int) -> None:
        if any(span.start in other or other.start in span for other in taken):
            return
        taken.append(span)
        try:
            when = date(year or today.year, month, day)
        except ValueError:
            return
        if year is None and when < today:
            # "12 March" means the next 12 March, not last year's.
            when = when.replace(year=today.year + 1)
        found.append((position, when))

    for m in _ISO_DATE.finditer(lowered):
        add(m.start(), range(*m.span()), int(m[1]), int(m[2]), int(m[3]))
    for m in _DAY_RANGE.finditer(lowered):
        year = int(m[4]) if m[4] else None
        add(m.start(), range(m.start(), m.start(2)), year, _MONTHS[m[3]], int(m[1]))
        add(m.start(2), range(m.start(2), m.end()), year, _MONTHS[m[3]], int(m[2]))
    for m in _DAY_MONTH.finditer(lowered):
        add(m.start(), range(*m.span()), int(m[3]) if m[3] else None, _MONTHS[m[2]], int(m[1]))
    for m in _MONTH_DAY.finditer(lowered):
        add(m.start(), range(*m.span()), int(m[3]) if m[3] else None, _MONTHS[m[1]], int(m[2]))
    for m in _PART_OF_MONTH.finditer(lowered):
        part = m[1].removeprefix("the ")
        month, year = _MONTHS[m[2]], int(m[3]) if m[3] else None
        day = 24 if part == "end of" else _PART_DAY[part]
        add(m.start(), range(*m.span()), year, month, day)
    for m in _WEEKDAY_RANGE.finditer(lowered):
        first = _next_weekday(today, m[1])
        last = _next_weekday(first, m[2])
        add(m.start(1), range(m.start(1), m.start(2)), first.year, first.month, first.day)
        add(m.start(2), range(m.start(2), m.end()), last.year, last.month, last.day)
    for m in _CUED_WEEKDAY.finditer(lowered):
        when = _next_weekday(max((d for _, d in found), default=today), m[1])
        add(m.start(1), range(m.start(1), m.end()), when.year, when.month, when.day)
    if not found:
        for m in _MONTH_ONLY.finditer(lowered):
            month_name, year_text = (m[1], m[2]) if m[1] else (m[3], m[4])
            month_number = _MONTHS[month_name]
            if year_text is None and month_number == today.month:
                # "In November", said in November: from today, not from a day already gone.
                add(m.start(), range(*m.span()), None, month_number, today.day)
            else:
                add(m.start(), range(*m.span()), int(year_text) if year_text else None, month_number, 1)
            break
    ordered = [when for _, when in sorted(found)]
    if len(ordered) > 1 and ordered[1] < ordered[0]:
        # "28 December to 3 January": the end is in the next year.
        ordered[1] = ordered[1].replace(year=ordered[1].year + 1)
    return ordered


def _length(lowered: str) -> int | None:
    """Trip length in days from "4 days", "three nights" (= 4 days), "a week", "a fortnight"."""
    if re.search(r"\b(a|one)\s+fortnight\b", lowered):
        return 14
    for m in _LENGTH.finditer(lowered):
        count = _count(m[1])
        if count <= 0:
            continue
        unit = m[2]
        return count * 7 if unit == "week" else count + 1 if unit == "night" else count
    return None
