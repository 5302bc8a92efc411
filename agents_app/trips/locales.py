"""The user's locale: how the agent's instructions carry it, and how the planner writes dates, times, numbers for it.

In English (tools' results, and the offline planner's replies to English requests) a German
user still reads "12.5" as twelve and a half and an American "7:05 AM". So dates and times use
CLDR's English for the user's region ("en_DE", "en_US") where it exists, and numbers follow that
region too. A reply in another language writes its dates as that language does in the user's
region where CLDR has it ("fr_CA"), else where it is mostly spoken ("fr_FR"); its city and
country names come from CLDR too ("Lisbonne, Portugal").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, time
from functools import lru_cache
from typing import Literal, TypeAlias

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_time, match_skeleton
from babel.numbers import format_decimal, get_currency_name

# The planner's own texts are British English ("neighbourhood", "cafés"); so is its default style,
# used when the locale is unknown or just "en".
_HOUSE_STYLE = Locale("en", "GB")
# English as written internationally, for regions CLDR has no English of its own for (Japan,
# Brazil); the European variant where the user's own locale keeps time on a 24-hour clock.
_INTERNATIONAL_ENGLISH = Locale.parse("en_001")
_INTERNATIONAL_ENGLISH_24H = Locale.parse("en_150")

_LOCALE_SENTENCE = "The user's locale is {locale}"
_LOCALE_IN_TEXT = re.compile(r"The user's locale is ([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)")
# Date pattern fields outside quoted literals: short weekday and month names to widen.
_PATTERN_PARTS = re.compile(r"'[^']*'|E+|M+|L+|[^'EML]+")


def locale_instruction(locale: str) -> str:
    """The instruction line that tells the model the user's locale (the offline model reads it back)."""
    return (
        f"{_LOCALE_SENTENCE.format(locale=locale)}: reply in its language unless they write in another one, "
        "and write dates, times and numbers the way that locale does."
    )


def locale_from_instructions(instructions: str | None) -> str | None:
    """The locale named by `locale_instruction` in a system prompt, if any."""
    found = _LOCALE_IN_TEXT.search(instructions or "")
    return found.group(1) if found else None


Clock: TypeAlias = Literal["12h", "24h"]


@dataclass(frozen=True, slots=True)
class LocaleFormat:
    """Writes dates, times and numbers in English the way one locale does."""

    dates: Locale
    numbers: Locale
    # "12h" or "24h" to write times so whatever the locale does (the card's clock switch); None: the locale's way.
    hours: Clock | None = None

    def day(self, day: date, *, year: bool = False) -> str:
        """A full date: "Friday 12 March" (en-GB), "Friday, March 12" (en-US); with the year if asked."""
        return format_date(day, _full_pattern(self.dates, "yMMMMEEEEd" if year else "MMMMEEEEd"), locale=self.dates)

    def short_day(self, day: date) -> str:
        """A compact date for tables: "Fri 12 Mar" (en-GB), "Fri, Mar 12" (en-US)."""
        return format_date(day, _pattern(self.dates, "MMMEd"), locale=self.dates)

    def clock(self, hhmm: str) -> str:
        """A tool's "HH:MM" as the locale writes a time: "07:05" or "7:05 AM" (or as `hours` says)."""
        hours, minutes = (int(part) for part in hhmm.split(":"))
        pattern = "short"
        if self.hours not in (None, _clock_of(self.dates)):  # the locale's way on the other clock (CLDR "hm", "Hm")
            pattern = _pattern(self.dates, {"12h": "hm", "24h": "Hm"}[self.hours])
        return format_time(time(hours, minutes), pattern, locale=self.dates)

    @property
    def clock_hours(self) -> Clock:
        """Whether times are written on a 12- or 24-hour clock."""
        return self.hours or _clock_of(self.dates)

    def with_clock(self, hours: Clock) -> LocaleFormat:
        return replace(self, hours=hours)

    def weekday(self, english: str) -> str:
        """A weekday a tool named in English ("Monday"), as the locale names it ("lundi")."""
        index = _ENGLISH_WEEKDAYS.get(english)
        return english if index is None else str(self.dates.days["format"]["wide"][index])

    def currency_name(self, code: str) -> str:
        """A currency as the locale names it ("euro" in French); the code when CLDR does not know it."""
        return str(get_currency_name(code, locale=self.numbers)) if code else code

    def number(self, value: int | float) -> str:
        """517,802 (en-GB), 517.802 (de-DE), 517 802 (pt-PT)."""
        # Latin digits whatever the locale: the text around them is English.
        return format_decimal(value, locale=self.numbers, numbering_system="latn")


HOUSE_STYLE = LocaleFormat(dates=_HOUSE_STYLE, numbers=_HOUSE_STYLE)
_ENGLISH_WEEKDAYS = {str(name): index for index, name in _HOUSE_STYLE.days["format"]["wide"].items()}


@lru_cache(maxsize=256)
def locale_format(locale: str | None, language: str = "en") -> LocaleFormat:
    """How to write in `language` for `locale` ("pt-PT", "en_US", "de"); English in the house style when
    the locale is unknown or bare "en"."""
    if language != "en":
        return _in_language(language, locale)
    if not locale:
        return HOUSE_STYLE
    try:
        user = Locale.parse(locale.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return HOUSE_STYLE
    region = user.territory
    if region is None and user.language != "en":
        region = _likely_region(user.language)  # "de" alone: Germany
    if region is None:
        return HOUSE_STYLE
    try:
        english = Locale("en", region)
    except UnknownLocaleError:
        pass
    else:
        return LocaleFormat(dates=english, numbers=english)
    try:
        own = Locale(user.language, region)
    except UnknownLocaleError:
        own = user
    clock_24h = "H" in str(own.time_formats["short"].pattern)
    return LocaleFormat(dates=_INTERNATIONAL_ENGLISH_24H if clock_24h else _INTERNATIONAL_ENGLISH, numbers=own)


@lru_cache(maxsize=1024)
def _clock_of(locale: Locale) -> Clock:
    return "12h" if "h" in locale.time_formats["short"].pattern else "24h"


@lru_cache(maxsize=1024)  # babel matches skeletons afresh each call: every date of every card went through it
def _pattern(locale: Locale, skeleton: str) -> str:
    return str(locale.datetime_skeletons[match_skeleton(skeleton, locale.datetime_skeletons)].pattern)


@lru_cache(maxsize=1024)
def _full_pattern(locale: Locale, skeleton: str) -> str:
    # CLDR rarely lists full-name skeletons; like ICU, take the nearest one and widen its fields
    # ("E, MMM d" -> "EEEE, MMMM d"), leaving quoted literals alone.
    widened = []
    for part in _PATTERN_PARTS.findall(_pattern(locale, skeleton)):
        if part[0] == "E":
            part = "EEEE"
        elif part[0] in "ML" and len(part) == 3:
            part = part[0] * 4
        widened.append(part)
    return "".join(widened)


def _in_language(language: str, locale: str | None) -> LocaleFormat:
    """Writing in `language` (not English): as it is written in the user's region, or where it is mostly spoken."""
    try:
        region = Locale.parse((locale or "").replace("-", "_")).territory if locale else None
    except (ValueError, UnknownLocaleError):
        region = None
    for place in (region, _likely_region(language)):
        try:
            own = Locale(language, place) if place else None
        except UnknownLocaleError:
            continue
        if own is not None:
            return LocaleFormat(dates=own, numbers=own)
    return LocaleFormat(dates=Locale.parse(language), numbers=Locale.parse(language))


def _likely_region(language: str) -> str | None:
    """The region CLDR thinks a bare language most likely means ("de" -> "DE", "pt" -> "BR")."""
    likely = get_global("likely_subtags").get(language, "")
    return likely.split("_")[-1] if "_" in likely else None


def country_name(code: str, english: str, language: str) -> str:
    """A country's name in `language` (CLDR's); `english` (geonames' "Russia") in English."""
    if language == "en":
        return english
    return str(_locale(language).territories.get(code, english))


def city_name(english: str, language: str, timezone: str | None = None) -> str:
    """A city's name in `language` where CLDR names it, as it names the cities time zones are named after
    ("Lisbon" -> "Lisbonne"); else as given. Without `timezone`, the zone named after the city, if any."""
    if language == "en":
        return english
    zone = timezone if timezone and _exemplar_city(timezone) == english else _zones_by_city().get(english)
    if zone is None:
        return english
    return str(_locale(language).time_zones.get(zone, {}).get("city") or english)


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def _exemplar_city(zone: str) -> str:
    return str(_HOUSE_STYLE.time_zones.get(zone, {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " "))


@lru_cache(maxsize=1)
def _zones_by_city() -> dict[str, str]:
    """English city name -> the time zone named after it ("Lisbon" -> "Europe/Lisbon")."""
    zones = get_global("zone_territories")
    return {_exemplar_city(zone): zone for zone in zones if "/" in zone}
