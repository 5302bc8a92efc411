"""The languages the offline planner reads and writes: which one a message is in, and that message in English.

A message's language comes from py3langid, narrowed to the six languages the planner writes;
too short a message to tell ("Paris", "ok") keeps the conversation's, which starts as the locale's.

A message in French, German, Spanish, Portuguese or Italian is then put into the English the
planner's rules read (`dates`, `requests`): text2num writes its numbers as digits, a short
table per language turns the phrases around dates into English ("du 12 au 15" -> "from 12 to
15", "fin de semana" -> "weekend"), and dateparser's translation data does the rest: months,
weekdays, and relative dates such as "demain" or "nächste Woche". The rules themselves exist once.
"""

from __future__ import annotations

import re
from contextlib import suppress
from functools import lru_cache
from typing import Final

import dateparser
import numpy as np
from dateparser.languages.loader import LocaleDataLoader
from dateparser.languages.locale import Locale
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from text_to_num import alpha2digit

ENGLISH: Final = "en"
# What the planner writes; its replies in each come from agents_app/locale (gettext).
LANGUAGES: Final = (ENGLISH, "fr", "de", "es", "pt", "it")
# Below this probability (among the six) a message is too short or too mixed to tell: it then
# counts as in the conversation's language ("Ce week-end" reads as English nearly as well as French).
_SURE = 0.7
# How much likelier the conversation's language is than the others, before reading the text.
_PRIOR = 3.0

_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"

# Per language, the phrases around dates that dateparser leaves alone, as the English the rules read.
# Applied in order to the lower-cased message once its numbers are digits; dateparser runs after,
# so the English written here must be words it keeps ("1 week", not "a week").
_PHRASES: Final[dict[str, list[tuple[str, str]]]] = {
    "fr": [
        (r"\b(?:un |1 )?long week-end\b|\b(?:un |1 )?pont\b", "long weekend"),
        (r"\bce week-?end\b", "this weekend"),
        (r"\b(?:le )?week-?end prochain\b|\ble prochain week-?end\b", "next weekend"),
        (r"\bweek-?ends?\b", "weekend"),
        (r"\b(?:la )?semaine prochaine\b|\bla prochaine semaine\b", "next week"),
        (r"\b(?:le )?mois prochain\b|\ble prochain mois\b", "next month"),
        (r"\baujourd'hui\b", "today"),
        (r"\bquinzaine\b", "fortnight"),
        (r"\bnuits?\b", "nights"),
        (r"\b(?:de|en) plus\b", "more"),
        (r"\b(?:de|en) moins\b", "less"),
        (r"\bajout(?:e|er|ez)\b|\brajout(?:e|er|ez)\b", "add"),
        (r"\b(?:enl[eè]v(?:e|er|ez)|supprim(?:e|er|ez)|retir(?:e|er|ez))\b", "remove"),
        (r"\bplus long\b", "make it longer"),
        (r"\bplus court\b", "make it shorter"),
        (r"\b(?:moins cher|pas cher|bon marché|économique|petit budget)\b", "cheap"),
        (r"\b(?:de )?luxe\b|\bluxueux\b", "luxury"),
        (r"\bn'importe quand\b|\bquand (?:tu veux|vous voulez)\b|\bpeu importe\b|\bflexibles?\b", "any time"),
        (r"\bcartes?\b", "map"),
        (r"\b(?:à partir du|à partir de|dès le|depuis le|du)\b", "from"),
        (r"\b(?:jusqu'au|jusqu'à)\b", "until"),
        (r"\b(?:la |à la )?mi-|\bmilieu (?:de |du mois de )?", "mid "),
        (r"\bdébut (?:de |du mois de )?", "early "),
        (r"\bfin (?:de |du mois de )?", "end of "),
        (r"\bprochaine?\b", "next"),
        (r"\bdans\b", "in"),
    ],
    "de": [
        (r"\b(?:ein |1 )?langes wochenende\b|\b(?:ein |1 )?verlängertes wochenende\b", "long weekend"),
        (r"\bdieses wochenende\b|\bam wochenende\b", "this weekend"),
        (r"\bnächstes wochenende\b|\bam nächsten wochenende\b", "next weekend"),
        (r"\bwochenenden?\b", "weekend"),
        (r"\bnächste woche\b|\bkommende woche\b", "next week"),
        (r"\bnächsten monat\b|\bkommenden monat\b", "next month"),
        (r"\bheute\b", "today"),
        (r"\büber ?morgen\b", "day after tomorrow"),
        (r"\bnächte\b|\bnacht\b", "nights"),
        (r"\b(?:ein|eine|einen|einem)\b", "1"),
        (r"\bnoch\b", "add"),
        (r"\bmehr\b", "more"),
        (r"\bweniger\b", "less"),
        (r"\bhinzu(?:fügen)?\b|\bdazu\b", ""),
        (r"\bfüge\b|\bfüg\b", "add"),
        (r"\bstreiche\b|\bentferne\b", "remove"),
        (r"\blänger\b", "make it longer"),
        (r"\bkürzer\b", "make it shorter"),
        (r"\b(?:günstig(?:er)?|billig(?:er)?|preiswert(?:er)?|sparsam)\b", "cheap"),
        (r"\bluxus\b|\bluxuriös\b", "luxury"),
        (r"\begal wann\b|\bjederzeit\b|\bist mir egal\b|\bflexibel\b|\bdu entscheidest\b", "any time"),
        (r"\bkarten?\b", "map"),
        (r"\bvom\b|\bab dem\b|\bab\b", "from"),
        (r"\bbis zum\b|\bbis\b", "until"),
        (r"\bmitte\b", "mid"),
        (r"\banfang\b", "early"),
        (r"\bende\b", "end of"),
        (r"\bnächsten?\b|\bkommenden?\b", "next"),
        (r"\bam\b", "on"),
    ],
    "es": [
        (r"\b(?:un |1 )?puente\b|\b(?:un |1 )?fin de semana largo\b", "long weekend"),
        (r"\beste fin de semana\b", "this weekend"),
        (r"\b(?:el )?próximo fin de semana\b|\bel fin de semana que viene\b", "next weekend"),
        (r"\bfin(?:es)? de semana\b", "weekend"),
        (r"\b(?:la )?próxima semana\b|\bla semana que viene\b", "next week"),
        (r"\b(?:el )?próximo mes\b|\bel mes que viene\b", "next month"),
        (r"\bhoy\b", "today"),
        (r"\bpasado mañana\b", "day after tomorrow"),
        (r"\bnoches?\b", "nights"),
        (r"\bdentro de\b", "in"),
        (r"\b(?:añade|añadir|agrega|agregar|suma)\b", "add"),
        (r"\b(?:quita|quitar|elimina)\b", "remove"),
        (r"\bmás largo\b", "make it longer"),
        (r"\bmás corto\b", "make it shorter"),
        (r"\bmás\b", "more"),
        (r"\bmenos\b", "less"),
        (r"\b(?:barat[oa]s?|económic[oa]s?|low cost)\b", "cheap"),
        (r"\b(?:de )?lujo\b|\blujos[oa]\b", "luxury"),
        (r"\bcuando (?:sea|quieras)\b|\bcualquier (?:momento|fecha)\b|\bme da igual\b|\bflexibles?\b", "any time"),
        (r"\bmapas?\b", "map"),
        (r"\b(?:a partir del|a partir de|desde el|desde|del)\b", "from"),
        (r"\bhasta el\b|\bhasta\b", "until"),
        (r"\b(?:a )?mediados de\b", "mid"),
        (r"\b(?:a )?principios de\b|\bcomienzos de\b", "early"),
        (r"\b(?:a )?finales de\b|\bfines de\b|\bfinal de\b", "end of"),
        (r"\bpróxim[oa]\b", "next"),
    ],
    "pt": [
        (r"\b(?:um |1 )?feriadão\b|\b(?:um |1 )?fim de semana prolongado\b|\b(?:uma |1 )?ponte\b", "long weekend"),
        (r"\beste fim de semana\b|\bneste fim de semana\b", "this weekend"),
        (r"\b(?:no )?próximo fim de semana\b", "next weekend"),
        (r"\bfi(?:m|ns) de semana\b", "weekend"),
        (r"\b(?:na )?próxima semana\b|\b(?:na )?semana que vem\b", "next week"),
        (r"\b(?:no )?próximo mês\b|\b(?:no )?mês que vem\b", "next month"),
        (r"\bhoje\b", "today"),
        (r"\bdepois de amanhã\b", "day after tomorrow"),
        (r"\bnoites?\b", "nights"),
        (r"\bdaqui a\b|\bdentro de\b", "in"),
        (r"\b(?:acrescenta|acrescentar|adiciona|adicionar|junta)\b", "add"),
        (r"\b(?:tira|tirar|remove|remover)\b", "remove"),
        (r"\bmais longo\b", "make it longer"),
        (r"\bmais curto\b", "make it shorter"),
        (r"\b(?:mais )?barat[oa]s?\b|\becon[óô]mic[oa]s?\b", "cheap"),
        (r"\ba mais\b|\bmais\b", "more"),
        (r"\ba menos\b|\bmenos\b", "less"),
        (r"\b(?:de )?luxo\b|\bluxuos[oa]\b", "luxury"),
        (
            r"\bquando quiser(?:es)?\b|\b(?:a )?qualquer (?:altura|momento|data)\b"
            r"|\btanto faz\b|\bflex[íi]ve(?:l|is)\b",
            "any time",
        ),
        (r"\bmapas?\b", "map"),
        (r"\b(?:a partir de|a partir do|desde o|desde|do)\b", "from"),
        (r"\baté (?:ao|o|a)\b|\baté\b", "until"),
        (r"\b(?:em )?meados de\b", "mid"),
        (r"\b(?:no )?in[íi]cio de\b|\bprincípio de\b", "early"),
        (r"\b(?:no )?(?:fim|final) de\b", "end of"),
        (r"\bpróxim[oa]\b", "next"),
    ],
    "it": [
        (r"\b(?:un |1 )?ponte\b|\b(?:un |1 )?(?:fine settimana|weekend) lungo\b", "long weekend"),
        (r"\bquesto (?:fine settimana|weekend)\b", "this weekend"),
        (
            r"\b(?:il )?prossimo (?:fine settimana|weekend)\b|\b(?:il )?(?:fine settimana|weekend) prossimo\b",
            "next weekend",
        ),
        (r"\bfine settimana\b|\bweekend\b", "weekend"),
        (r"\b(?:la )?prossima settimana\b|\b(?:la )?settimana prossima\b", "next week"),
        (r"\b(?:il )?prossimo mese\b|\b(?:il )?mese prossimo\b", "next month"),
        (r"\boggi\b", "today"),
        (r"\bdopodomani\b", "day after tomorrow"),
        (r"\bnott[ei]\b", "nights"),
        (r"\b(?:tra|fra)\b", "in"),
        (r"\bin più\b", "more"),
        (r"\bin meno\b", "less"),
        (r"\b(?:aggiungi|aggiungere|aggiungete)\b", "add"),
        (r"\b(?:togli|togliere|rimuovi|elimina)\b", "remove"),
        (r"\bpiù lungo\b", "make it longer"),
        (r"\bpiù corto\b", "make it shorter"),
        (r"\b(?:più )?economic[oa]\b|\b(?:a )?buon mercato\b|\blow cost\b|\brisparmi(?:are)?\b", "cheap"),
        (r"\b(?:di )?lusso\b|\blussuos[oa]\b", "luxury"),
        (r"\bquando vuoi\b|\bin qualsiasi momento\b|\bnon importa\b|\bflessibil[ei]\b|\bdecidi tu\b", "any time"),
        (r"\bmapp[ae]\b", "map"),
        (r"\b(?:a partire dal|a partire da|dal|dall')\b", "from"),
        (r"\b(?:fino al|fino a)\b", "until"),
        (r"\b(?:a )?metà\b", "mid"),
        (r"\b(?:a |all')?inizio\b", "early"),
        (r"\b(?:a )?fine\b", "end of"),
        (r"\bprossim[oa]\b", "next"),
    ],
}
# Once dateparser has run: the words it leaves between numbers, months and weekdays, in English.
_ORDINAL = re.compile(r"\b(\d{1,2})(?:\.|er|º|ª|°)(?=\s|$)")
_NUMBER_RANGE = re.compile(r"\b(\d{1,2})\s+(?:au|bis|al|a|ao|à|y|e|et|und|until)\s+(\d{1,2})\b")
_WEEKDAY_NEXT = re.compile(rf"\b({_WEEKDAYS})\s+next\b")
# "1 day more" (un jour de plus), "more 1 day" (mais um dia): the rules read "1 more days".
_DAYS_MORE = re.compile(r"\b(\d{1,2})\s+days?\s+more\b|\bmore\s+(\d{1,2})\s+days?\b")
_DAYS_LESS = re.compile(r"\bless\s+(\d{1,2})\s+days?\b")
_MONTH_WORD = re.compile(rf"\b({_MONTHS})\b")
# Words after which a month is part of a date or period already ("12 may", "mid may", "from may").
_BEFORE_DATED_MONTH = re.compile(r"(?:\d|\bmid|\bearly|\bend of|\bof|\bin|\bduring|\bfrom|\bnext|\bthis)\s*$")


def locale_language(locale: str | None) -> str:
    """The planner's language for a locale ("fr-CA" -> "fr"); English for a language it does not write."""
    language = (locale or "").replace("_", "-").split("-")[0].lower()
    return language if language in LANGUAGES else ENGLISH


# The planner re-reads a thread's every message each turn: each is classified and translated once.
@lru_cache(maxsize=512)
def language_of(text: str, likely: str | None = None) -> str | None:
    """The language `text` is written in, among `LANGUAGES`; None when it is too short to tell.

    `likely` (the conversation's so far) starts out likelier than the others: a short "Kyoto,
    egal wann" from a German user is German, though it could pass for English.
    """
    if not re.search(r"[^\W\d_]{2}", text):
        return None
    ranked = dict(_identifier().rank(text))
    if likely in ranked:
        ranked[likely] *= _PRIOR
    language = max(ranked, key=ranked.__getitem__)
    return str(language) if ranked[language] / sum(ranked.values()) >= _SURE else None


@lru_cache(maxsize=512)
def in_english(text: str, language: str) -> str:
    """`text`, lower-cased, with its dates, lengths and trip words as the English the planner's rules read."""
    lowered = text.lower()
    if language == ENGLISH or language not in _PHRASES:
        return lowered
    lowered = alpha2digit(lowered, language, threshold=0)
    for pattern, english in _compiled(language):
        lowered = pattern.sub(english, lowered)
    with suppress(ValueError, KeyError, IndexError):  # dateparser's tokenizer on odd text: the phrases alone
        lowered = _locale(language).translate(lowered, keep_formatting=True, settings=dateparser.conf.settings)
    lowered = _ORDINAL.sub(r"\1", lowered)
    lowered = _NUMBER_RANGE.sub(r"\1 to \2", lowered)
    lowered = _WEEKDAY_NEXT.sub(r"next \1", lowered)
    lowered = _DAYS_MORE.sub(lambda m: f"{m[1] or m[2]} more days", lowered)
    lowered = _DAYS_LESS.sub(r"\1 days less", lowered)
    return _MONTH_WORD.sub(lambda m: _month_cued(lowered, m), lowered)


def _month_cued(text: str, month: re.Match[str]) -> str:
    """A month on its own ("en mai" lost its "en" to dateparser) reads as "in may"; a dated one stays."""
    if _BEFORE_DATED_MONTH.search(text[: month.start()]) or re.match(r"\s*\d", text[month.end() :]):
        return month.group()
    return f"in {month.group()}"


@lru_cache(maxsize=len(LANGUAGES))
def _compiled(language: str) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern), english) for pattern, english in _PHRASES[language]]


@lru_cache(maxsize=len(LANGUAGES))
def _locale(language: str) -> Locale:
    return LocaleDataLoader().get_locale(language)


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    # The model ships with 97 languages (28 MB of weights); keep the six columns the planner writes.
    full = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    columns = [i for i, code in enumerate(full.nb_classes) if code in LANGUAGES]
    return LanguageIdentifier(
        np.ascontiguousarray(full.nb_ptc[:, columns]),
        full.nb_pc[columns],
        [full.nb_classes[i] for i in columns],
        full.tk_nextmove,
        full.tk_output,
        norm_probs=True,
        tk_row=full.tk_row,
    )


def warm_up() -> None:
    """Load the model and dateparser's data now, not in a user's first request."""
    language_of("bonjour tout le monde")
    for language in LANGUAGES[1:]:
        in_english("1", language)
