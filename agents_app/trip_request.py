"""Reads a trip request (destination, start date, length) out of what the user typed, for the offline planner.

Plain rules over the gazetteer, no model: "4 days in Lisbon from 2027-03-12", "Kyoto",
"a weekend in Paris", "from 12 March to 15 March", then follow-ups like "make it 5 days".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from agents_app.gazetteer import City, cities_named, city_name_kind, fold, longest_city_name_words, resolve_country

DEFAULT_DAYS = 3
# Two weeks out: far enough that an undated request gets a plausible future trip.
DEFAULT_LEAD_DAYS = 14
MAX_DAYS = 14

# Words that precede a destination ("3 days in", "trip to", "what about"), and the one before an origin.
_DESTINATION_CUES = {"in", "to", "visit", "visiting", "around", "explore", "exploring", "about"}
_ORIGIN_CUE = "from"
# Some city's name that is also an everyday word: it counts only capitalised and after a cue
# ("a weekend in Nice", "ferry to Split"), and loses to any other city named in the same message.
_EVERYDAY_WORDS = {
    "along", "airport", "bank", "bar", "bath", "bay", "bear", "bell", "bend", "best", "brick", "can", "central",
    "clay", "coin", "colon", "come", "corona", "crystal", "date", "deal", "delta", "fleet", "forest", "goes",
    "green", "holiday", "hook", "independence", "lens", "liberal", "liberty", "mach", "male", "man", "manage",
    "marks", "metro", "midway", "mine", "mission", "mobile", "most", "much", "nice", "normal", "of",
    "opportunity", "orange", "pace", "para", "peer", "plum", "punch", "reading", "rich", "roman", "sake", "sale",
    "salt", "same", "save", "semi", "split", "spring", "springs", "sunrise", "sunset", "temple", "than", "time",
    "to", "tours", "union", "university", "van", "vineyard", "yoga",
}
# Month and day names that are also towns (March, Cambridgeshire): in a trip request they are dates.
_DATE_WORDS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}

_MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(\d{4}))?"
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DAY_RANGE = re.compile(
    rf"\b(\d{{1,2}}){_ORD}\s*(?:-|–|to|until|till)\s*(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH}\b{_YEAR}"
)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH}(?![a-z]){_YEAR}")
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}){_ORD}\b{_YEAR}")
# A month on its own ("in March", "June 2027"); the trip then starts on its first day.
_MONTH_ONLY = re.compile(rf"\b(?:in|during|for|this|next)\s+{_MONTH}(?![a-z]){_YEAR}|\b{_MONTH}\s+(\d{{4}})\b")
_NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen".split()
    )
} | {"a": 1, "an": 1}
_LENGTH = re.compile(r"\b(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")[\s-]*(day|night|week)s?\b")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class TripRequest:
    """What the offline planner will plan: a city (None = not understood yet), first day and length."""

    city: City | None
    start: date
    days: int
    start_given: bool
    days_given: bool
    days_capped: bool = False

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


def parse_trip_request(user_turns: Sequence[Sequence[str]], today: date) -> TripRequest:
    """The trip the conversation asks for, newest mention of each fact first.

    `user_turns` is oldest first; each turn is the user's text followed by any context ChatKit
    attached to it (quoted text, @-mentions), which therefore counts for less.
    """
    city: City | None = None
    start: date | None = None
    days: int | None = None
    for turn in reversed(user_turns):
        for text in turn:
            found = _mentions(text, today)
            city = city or found.city
            start = start or found.start
            days = days or found.days
    days_capped = days is not None and days > MAX_DAYS
    return TripRequest(
        city=city,
        start=start or today + timedelta(days=DEFAULT_LEAD_DAYS),
        days=min(days or DEFAULT_DAYS, MAX_DAYS),
        start_given=start is not None,
        days_given=days is not None,
        days_capped=days_capped,
    )


def _mentions(text: str, today: date) -> _Mentions:
    lowered = text.lower()
    dates = _dates(text, lowered, today)
    start = dates[0] if dates else None
    days = _length(lowered)
    if start is not None and len(dates) > 1 and dates[1] > start and days is None:
        days = (dates[1] - start).days + 1
    weekend = re.search(r"\b(long\s+)?weekend\b", lowered)
    if weekend:
        long_weekend = weekend.group(1) is not None
        days = days or (3 if long_weekend else 2)
        # The coming Friday (long weekend) or Saturday, today included.
        start = start or today + timedelta(days=((4 if long_weekend else 5) - today.weekday()) % 7)
    if re.search(r"\btomorrow\b", lowered):
        start = start or today + timedelta(days=1)
    elif re.search(r"\btoday\b", lowered):
        start = start or today
    return _Mentions(city=_destination(text), start=start, days=days)


def _dates(text: str, lowered: str, today: date) -> list[date]:
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

    for m in _ISO_DATE.finditer(text):
        add(m.start(), range(*m.span()), int(m[1]), int(m[2]), int(m[3]))
    for m in _DAY_RANGE.finditer(lowered):
        year = int(m[4]) if m[4] else None
        add(m.start(), range(m.start(), m.start(2)), year, _MONTHS[m[3]], int(m[1]))
        add(m.start(2), range(m.start(2), m.end()), year, _MONTHS[m[3]], int(m[2]))
    for m in _DAY_MONTH.finditer(lowered):
        add(m.start(), range(*m.span()), int(m[3]) if m[3] else None, _MONTHS[m[2]], int(m[1]))
    for m in _MONTH_DAY.finditer(lowered):
        add(m.start(), range(*m.span()), int(m[3]) if m[3] else None, _MONTHS[m[1]], int(m[2]))
    if not found:
        for m in _MONTH_ONLY.finditer(lowered):
            month, year = (m[1], m[2]) if m[1] else (m[3], m[4])
            month_number = _MONTHS[month]
            if year is None and month_number == today.month:
                # "In November", said in November: from today, not from a day already gone.
                add(m.start(), range(*m.span()), None, month_number, today.day)
            else:
                add(m.start(), range(*m.span()), int(year) if year else None, month_number, 1)
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
        count = int(m[1]) if m[1].isdigit() else _NUMBER_WORDS[m[1]]
        if count <= 0:
            continue
        unit = m[2]
        return count * 7 if unit == "week" else count + 1 if unit == "night" else count
    return None


def _destination(text: str) -> City | None:
    """The city the text most likely asks about, or None.

    Every run of up to a few words that is some city's name is a candidate; a cue word before
    it, capitals and length make it likelier, an everyday-word name or a merely alternative
    spelling less. A capital that merely starts a sentence proves little: there it counts only
    for official names of four letters or more ("Kyoto.", but not "Can you..." or "Make it...").
    """
    words = [(m.group(), fold(m.group()), _starts_sentence(text, m.start())) for m in _WORD.finditer(text)]
    words = [word for word in words if word[1]]
    candidates: list[tuple[int, int, int, str]] = []  # (score, -position, word count, phrase)
    for i in range(len(words)):
        for n in range(min(longest_city_name_words(), len(words) - i), 0, -1):
            phrase = " ".join(folded for _, folded, _ in words[i : i + n])
            score = _candidate_score(phrase, n, words[i], words[i - 1][1] if i else "")
            if score is not None:
                candidates.append((score, -i, n, phrase))
    # A name inside a longer one ("York" in "New York") is not a candidate of its own.
    spans = [(-neg_i, -neg_i + n) for _, neg_i, n, _ in candidates]
    candidates = [
        candidate
        for candidate, (lo, hi) in zip(candidates, spans, strict=True)
        if not any(o_lo <= lo and hi <= o_hi and (o_lo, o_hi) != (lo, hi) for o_lo, o_hi in spans)
    ]
    if not candidates:
        return None
    _, _, _, phrase = max(candidates)
    country = _country_mentioned(words)
    in_country = cities_named(phrase, country) if country else []
    return (in_country or cities_named(phrase))[0]


def _candidate_score(phrase: str, n: int, first: tuple[str, str, bool], before: str) -> int | None:
    """How likely `phrase` is the destination; None when it is no city or not meant as one."""
    kind = city_name_kind(phrase)
    if kind is None or phrase.isdigit() or (n == 1 and phrase in _DATE_WORDS):
        return None
    raw, _, sentence_start = first
    cued = before in _DESTINATION_CUES
    everyday = n == 1 and phrase in _EVERYDAY_WORDS
    capitalized = raw[:1].isupper()
    if everyday and not (cued and capitalized):
        return None
    meant_as_name = capitalized and (not sentence_start or (kind == "primary" and len(phrase) >= 4))
    if not (cued or meant_as_name or (kind == "primary" and len(phrase) >= 4)):
        return None
    if kind == "alternate" and len(phrase) < 4 and not cued:
        return None
    score = n + (4 if cued else 0) + (2 if capitalized else 0)
    score -= (3 if before == _ORIGIN_CUE else 0) + (3 if everyday else 0) + (1 if kind == "alternate" else 0)
    return score


def _starts_sentence(text: str, position: int) -> bool:
    preceding = text[:position].rstrip(" \t")
    return not preceding or preceding[-1] in ".!?:;\n\"'(“"


def _country_mentioned(words: list[tuple[str, str, bool]]) -> str | None:
    """An ISO code for a country named in the text ("Porto, Portugal"); bare two-letter words never count."""
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            phrase = " ".join(folded for _, folded, _ in words[i : i + n])
            if len(phrase) > 3 or (n == 1 and words[i][0].isupper() and len(phrase) == 3):
                found = resolve_country(phrase)
                if found:
                    return found.code
    return None
