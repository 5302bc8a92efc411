"""Reads a trip request (destination, dates, length, budget) out of what the user typed, for the offline planner.

Plain rules over the gazetteer, no model: "4 days in Lisbon from 2027-03-12", "Kyoto",
"a weekend in Paris", "from 12 March to 15 March", then follow-ups like "make it 5 days",
"add a day" or "make it cheaper". When and how long are read by `trip_dates`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from agents_app.gazetteer import City, cities_named, city_name_kind, fold, longest_city_name_words, resolve_country
from agents_app.trip_dates import read_when

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
    "salt", "same", "save", "semi", "split", "spring", "springs", "sunrise", "sunset", "surprise", "temple", "than",
    "time", "to", "tours", "union", "university", "van", "vineyard", "yoga",
}
# Month and day names that are also towns (March, Cambridgeshire): in a trip request they are dates.
_DATE_WORDS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}

_WORD = re.compile(r"[^\W_]+")
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


def parse_trip_request(user_turns: Sequence[Sequence[str]], today: date) -> TripRequest:
    """The trip the conversation asks for, newest mention of each fact first.

    `user_turns` is oldest first; each turn is the user's text followed by any context ChatKit
    attached to it (quoted text, @-mentions, hidden context), which therefore counts for less.
    A change of length ("add a day") applies to the newest length stated before it.
    """
    city: City | None = None
    start: date | None = None
    days: int | None = None
    days_change = 0
    budget: bool | None = None
    flexible = False
    for turn in reversed(user_turns):
        for text in turn:
            found = _mentions(text, today)
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


def _mentions(text: str, today: date) -> _Mentions:
    lowered = text.lower()
    when = read_when(lowered, today)
    budget = False if _NOT_BUDGET.search(lowered) else True if _BUDGET.search(lowered) else None
    return _Mentions(
        city=_destination(text),
        start=when.start,
        days=when.days,
        days_change=when.days_change,
        budget=budget,
        flexible=bool(_FLEXIBLE.search(lowered)),
    )


def _destination(text: str) -> City | None:
    """The city the text most likely asks about, or None.

    Every run of up to a few words that is some city's name is a candidate; a cue word before
    it, capitals and length make it likelier, an everyday-word name or a merely alternative
    spelling less. A capital that merely starts a sentence proves little: there it counts only
    for official names of four letters or more and other spellings of six or more ("Kyoto.",
    "Seville, 4 days", "New York in May", but not "Can you...", "Make it..." or "Okay").
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
    meant_as_name = capitalized and (not sentence_start or len(phrase) >= (4 if kind == "primary" else 6))
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
