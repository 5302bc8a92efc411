"""Reads where a trip goes out of what the user typed: the city a message most likely asks about, if any.

Plain rules over the gazetteer, no model: a cue word before a name ("in", "to"), capitals and length
make a city likelier; names that are also everyday words ("Nice", "Split") or dates ("March") less.
"""

from __future__ import annotations

import re

from babel import Locale

from agents_app.trips.gazetteer import (
    City,
    cities_named,
    city_name_kind,
    fold,
    longest_city_name_words,
    resolve_country,
)
from agents_app.trips.languages import LANGUAGES

# Words that precede a destination ("3 days in", "trip to", "what about"; "à", "nach", "em"...),
# and those before an origin.
_DESTINATION_CUES = {"in", "to", "visit", "visiting", "around", "explore", "exploring", "about"} | {
    "a",  # à (folded), a (es, it, pt)
    "au",
    "en",
    "em",
    "nach",
    "para",
    "pour",
    "per",
    "visiter",
    "besuchen",
    "visitar",
    "visitare",
}
_ORIGIN_CUES = {"from", "depuis", "von", "desde", "da"}
# Some city's name that is also an everyday word: it counts only capitalised and after a cue
# ("a weekend in Nice", "ferry to Split"), and loses to any other city named in the same message.
_EVERYDAY_WORDS = {
    "along",
    "airport",
    "bank",
    "bar",
    "bath",
    "bay",
    "bear",
    "bell",
    "bend",
    "best",
    "brick",
    "can",
    "central",
    "clay",
    "coin",
    "colon",
    "come",
    "corona",
    "crystal",
    "date",
    "deal",
    "delta",
    "fleet",
    "forest",
    "goes",
    "green",
    "holiday",
    "hook",
    "independence",
    "lens",
    "liberal",
    "liberty",
    "mach",
    "male",
    "man",
    "manage",
    "marks",
    "metro",
    "midway",
    "mine",
    "mission",
    "mobile",
    "most",
    "much",
    "nice",
    "normal",
    "of",
    "opportunity",
    "orange",
    "pace",
    "para",
    "peer",
    "plum",
    "punch",
    "reading",
    "rich",
    "roman",
    "sake",
    "sale",
    "salt",
    "same",
    "save",
    "semi",
    "split",
    "spring",
    "springs",
    "sunrise",
    "sunset",
    "surprise",
    "temple",
    "than",
    "time",
    "to",
    "tours",
    "union",
    "university",
    "van",
    "vineyard",
    "yoga",
}
# Month and day names that are also towns (March, Cambridgeshire): in a trip request they are dates.
# In each language the planner reads, as CLDR names them ("mai", "Juni", "sábado"), folded.
_DATE_WORDS = {
    fold(str(name))
    for language in LANGUAGES
    for names in (Locale(language).months["format"]["wide"], Locale(language).days["format"]["wide"])
    for name in names.values()
}

_WORD = re.compile(r"[^\W_]+")


def read_destination(text: str) -> City | None:
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
    score -= (3 if before in _ORIGIN_CUES else 0) + (3 if everyday else 0) + (1 if kind == "alternate" else 0)
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
