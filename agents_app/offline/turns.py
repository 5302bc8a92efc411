"""What the offline planner does next: ask what is missing, call tools, show the card, open the map, or write the plan.

One decision per model turn, from the conversation so far (`conversation`); the words are in `replies`,
in the language of the request (`requests.request_language`):

1. "show it on a map" (or the map mode) -> call the `open_map` client tool; once the browser answered, confirm.
2. No destination, or no dates -> ask with the `ask_user` form (the length too, if missing),
   unless the user left the dates to the planner or skipped that question; in words when the
   form cannot be shown or its destination was skipped.
3. Otherwise call the fact tools, then `show_itinerary` (the card), then write the plan from
   what they returned; without `show_itinerary` (the facts mode), write the facts alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.utils import translation

from agents_app.offline.conversation import Conversation, ToolExchange
from agents_app.offline.replies import (
    DESTINATION_QUESTION,
    ask_for_dates,
    ask_for_destination,
    ask_what_to_map,
    compose_facts,
    compose_plan,
    dates_question,
    map_reply,
    thought,
    trip_questions,
)
from agents_app.tools.maps import OPEN_MAP
from agents_app.tools.questions import ASK_USER
from agents_app.trips.languages import LANGUAGES, in_english, language_of
from agents_app.trips.locales import locale_format
from agents_app.trips.requests import TripRequest, parse_trip_request, request_language

SHOW_ITINERARY = "show_itinerary"
# "show it on a map", "open a map", "where is that on the map?" ("roadmap" is not a map).
_WANTS_MAP = re.compile(r"\bmaps?\b")


@dataclass(frozen=True, slots=True)
class Step:
    """The model's output for one turn: a reply to the user, or tool calls (name, arguments) to make first."""

    reply: str | None = None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # With a reply: what it thought before writing it (streamed as a reasoning model's summary is).
    thought: str | None = None


def next_step(
    conversation: Conversation, available: set[str], today: date, locale: str | None = None, forced: str | None = None
) -> Step:
    """This turn's step, given which tools the agent has, the user's locale and the tool a mode forces (`modes`);
    a reply comes with what it thought before writing it.

    Only a reply: a turn that calls tools has them run as soon as it ends, and their steps would race
    a thought streamed with it into ChatKit's workflow.
    """
    language = request_language(conversation.user_turns, locale)
    with translation.override(language):
        step, decision = _decide(conversation, available, today, locale, forced, language)
        if decision is None:
            return step
        request = _dates_the_tools_used(parse_trip_request(conversation.user_turns, today, language), conversation)
        answered = {e.name: e.output for e in conversation.exchanges if e.output is not None}
        return replace(step, thought=thought(decision, request, answered, locale_format(locale, language)))


def _decide(
    conversation: Conversation,
    available: set[str],
    today: date,
    locale: str | None,
    forced: str | None,
    language: str,
) -> tuple[Step, str | None]:
    """The step, and for a reply the decision behind it (for `replies.thought`); None for tool calls."""
    request = parse_trip_request(conversation.user_turns, today, language)
    answered = {e.name: e for e in conversation.exchanges if e.output is not None}
    latest = conversation.user_turns[-1][0] if conversation.user_turns else ""
    in_words = in_english(latest, language_of(latest, language) or language)
    wants_map = forced == OPEN_MAP or bool(_WANTS_MAP.search(in_words))
    if OPEN_MAP in answered or (OPEN_MAP in available and wants_map):
        step = _map_step(request, answered)
        return step, None if step.calls else "mapped" if OPEN_MAP in answered else "ask_what_to_map"
    # The form's answers come as a user message, read with the one that led to it.
    answers = "\n".join(conversation.user_turns[-1]) if conversation.user_turns else ""
    if _skipped_dates(answers, request):  # the form's dates question, skipped: the planner picks
        request = replace(request, dates_flexible=True)
    missing = request.city is None or (not request.start_given and not request.dates_flexible)
    # The form, unless it could not be shown (no browser) or the destination was just skipped on it.
    if missing and ASK_USER in available and ASK_USER not in answered and not _skipped_destination(answers):
        return Step(calls=[(ASK_USER, {"questions": trip_questions(request)})]), None
    if request.city is None:
        return Step(reply=ask_for_destination(bool(conversation.user_turns))), "ask_destination"
    if not request.start_given and not request.dates_flexible:
        return Step(reply=ask_for_dates(request)), "ask_dates"
    fact_calls = [(name, args) for name, args in _fact_calls(request) if name in available]
    if fact_calls and not any(name in answered for name, _ in fact_calls):
        return Step(calls=fact_calls), None
    request = _dates_the_tools_used(request, conversation)
    results = {name: exchange.output for name, exchange in answered.items() if exchange.output is not None}
    if SHOW_ITINERARY not in available:  # no card to show: the facts (the "Daylight and holidays" mode)
        return Step(reply=compose_facts(request, results, locale_format(locale, language))), "facts"
    if SHOW_ITINERARY not in answered:
        return Step(calls=[(SHOW_ITINERARY, _itinerary_arguments(request))]), None
    card_shown = (results.get(SHOW_ITINERARY) or {}).get("shown_to_user") is True
    fmt = locale_format(locale, language)
    return Step(reply=compose_plan(request, results, fmt, card_shown=card_shown)), "plan"


def _skipped_destination(message: str) -> bool:
    """Whether `message` answers the planner's form with its destination question skipped."""
    questions = _in_each_language(lambda: translation.gettext(DESTINATION_QUESTION))
    return any(_skipped(message, question) for question in questions)


def _skipped_dates(message: str, request: TripRequest) -> bool:
    """Whether `message` answers the planner's form with its dates question skipped. The form named the
    city or not (it may have asked for the destination too)."""
    questions = _in_each_language(lambda: dates_question(None)) | _in_each_language(
        lambda: dates_question(request.city)
    )
    return any(_skipped(message, question) for question in questions)


def _in_each_language(write: Callable[[], str]) -> set[str]:
    """What `write` writes in each of the planner's languages: the form was asked in one of them."""
    texts = set()
    for language in LANGUAGES:
        with translation.override(language):
            texts.add(write())
    return texts


def _skipped(message: str, question: str) -> bool:
    """Whether `message` is the answer to the planner's form with `question` skipped."""
    return re.search(rf"^- {re.escape(question)}: skipped$", message, re.MULTILINE) is not None


def _map_step(request: TripRequest, answered: dict[str, ToolExchange]) -> Step:
    exchange = answered.get(OPEN_MAP)
    if exchange is not None:
        # The call's arguments are what the browser was asked to show (see tools/maps.py).
        place = exchange.arguments.get("place") or exchange.arguments.get("city") or "the place"
        return Step(reply=map_reply(str(place), exchange.output))
    if request.city is None:
        return Step(reply=ask_what_to_map())
    return Step(calls=[(OPEN_MAP, {"city": request.city.name, "country": request.city.country_code})])


def _fact_calls(request: TripRequest) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls that gather a plan's facts, with arguments matching the tools' strict schemas."""
    assert request.city is not None
    city, code = request.city.name, request.city.country_code
    start, end = request.start.isoformat(), request.end.isoformat()
    return [
        ("find_city", {"name": city, "country": code}),
        ("public_holidays", {"country": code, "start_date": start, "end_date": end}),
        ("sun_times", {"city": city, "date": start, "country": code}),
        ("local_time", {"city": city, "country": code}),
    ]


def _itinerary_arguments(request: TripRequest) -> dict[str, Any]:
    assert request.city is not None
    return {
        "city": request.city.name,
        "start_date": request.start.isoformat(),
        "days": request.days,
        "country": request.city.country_code,
        "budget": request.budget,
    }


def _dates_the_tools_used(request: TripRequest, conversation: Conversation) -> TripRequest:
    """The dates the tools were asked about win over a re-reading (the day may have changed since)."""
    holidays_call = next((e.arguments for e in conversation.exchanges if e.name == "public_holidays"), None)
    if not holidays_call:
        return request
    try:
        start = date.fromisoformat(holidays_call["start_date"])
        end = date.fromisoformat(holidays_call["end_date"])
    except (KeyError, TypeError, ValueError):
        return request
    return request.with_dates(start, end) if end >= start else request
