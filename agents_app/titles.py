"""Thread titles: a few words naming the trip, written once the first exchange is done.

With an OpenAI (or compatible) model, a small extra call to the same model writes the title.
Without one (the offline planner, the benchmark's model) it is derived from the first message
("4 days in Lisbon", "Weekend in Kyoto"), with no model call at all.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, date, datetime

from agents import Agent, Model, ModelSettings, RunConfig, Runner
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agents_app.trips.languages import in_english
from agents_app.trips.locales import city_name
from agents_app.trips.requests import parse_trip_request, request_language

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 60
FALLBACK_TITLE = "New trip"
# A title is a nicety: past this the thread keeps its derived title rather than hold the stream open.
TITLE_TIMEOUT_SECONDS = 10.0

TITLE_INSTRUCTIONS = """\
Write a title for a trip-planning conversation that starts with the user's message below.
At most six words, in the language the user writes in. Name the destination and the length or
dates when given, e.g. "4 days in Lisbon" or "Weekend in Kyoto in May". Reply with the title
only: no quotation marks, no full stop at the end.
"""

_WEEKEND = re.compile(r"\b(long\s+)?weekend\b", re.IGNORECASE)
_WORDS = re.compile(r"[^\W_][\w'’-]*")


def derived_title(first_message: str, today: date | None = None) -> str:
    """A title from the first message, read as the offline planner reads a trip request (`trips.requests`),
    in the message's language."""
    request = parse_trip_request([[first_message]], today or datetime.now(UTC).date())
    if request.city is not None:
        with translation.override(request_language([[first_message]], None)):
            city = city_name(request.city.name, translation.get_language(), request.city.timezone)
            weekend = _WEEKEND.search(in_english(first_message, translation.get_language()))
            if weekend:
                title = _("Long weekend in %(city)s") if weekend.group(1) else _("Weekend in %(city)s")
                return title % {"city": city}
            if request.days_given:
                days = ngettext("%(count)s day", "%(count)s days", request.days) % {"count": request.days}
                return _("%(days)s in %(city)s") % {"days": days, "city": city}
            return _("Trip to %(city)s") % {"city": city}
    words = _WORDS.findall(first_message)[:6]
    if not words:
        return FALLBACK_TITLE
    text = " ".join(words)
    return _clean(text[:1].upper() + text[1:])


async def model_title(first_message: str, model: Model, *, tracing_disabled: bool = True) -> str:
    """A title written by `model`; the derived title if the call fails, times out or says nothing."""
    agent: Agent[None] = Agent(
        name="Merak thread titles", instructions=TITLE_INSTRUCTIONS, model=model, model_settings=ModelSettings()
    )
    try:
        result = await asyncio.wait_for(
            Runner.run(
                agent,
                first_message,
                run_config=RunConfig(tracing_disabled=tracing_disabled, workflow_name="Merak thread title"),
            ),
            TITLE_TIMEOUT_SECONDS,
        )
        title = _clean(str(result.final_output or ""))
    except Exception:  # noqa: BLE001 — any failure of an optional nicety falls back, and is logged
        logger.warning("Writing a thread title with the model failed; deriving one instead.", exc_info=True)
        title = ""
    return title or derived_title(first_message)


def _clean(title: str) -> str:
    """One line, no "Title:" or wrapping quotes or final full stop, at most MAX_TITLE_CHARS (cut at a word)."""
    first_line = next((line for line in title.splitlines() if line.strip()), "")
    title = re.sub(r"^\s*title\s*:\s*", "", first_line, flags=re.IGNORECASE)
    title = " ".join(title.split()).strip("\"'“”‘’«»`*# ").rstrip(".").strip()
    if len(title) > MAX_TITLE_CHARS:
        title = title[:MAX_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:-—")
    return title
