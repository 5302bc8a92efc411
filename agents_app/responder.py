"""The Trip Planner as the ChatKit server serves it (`MERAK_RESPONDER = "agents_app.responder.TripPlanner"`)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from agents import Agent, RunConfig
from chatkit.agents import AgentContext
from chatkit.types import Action, Annotation, EntitySource, UserMessageTagContent, WidgetItem
from django.conf import settings
from openai import OpenAIError

from agents_app.actions import CLOCK, InvalidActionPayload, UnknownAction, clock_request, itinerary_action_request
from agents_app.context import CallerRequest
from agents_app.modes import MODES
from agents_app.planner import AGENT_NAME, new_trip_planner
from agents_app.providers import describe, offered_models, sees_images, title_model, transcribe, transcription_model
from agents_app.titles import derived_title, model_title
from agents_app.tools import CLIENT_TOOL_NAMES
from agents_app.tools.itinerary import build_itinerary
from agents_app.tools.places import FIND_CITY, lookup_city
from agents_app.tools.results import ToolInputError
from agents_app.tools.sources import DATA_SOURCES
from agents_app.trips import gazetteer, languages, locales
from agents_app.trips.requests import tagged_place
from agents_app.widgets import itinerary_card, itinerary_text, widget_texts
from chatkit_app.protocol.responder import (
    ActionNote,
    ActionRefused,
    EntityOption,
    ModelOption,
    Picked,
    Responder,
    ToolOption,
    ToolUse,
    TranscriptionFailed,
)

logger = logging.getLogger(__name__)


class TripPlanner(Responder):
    """Plans city trips day by day: facts from offline data, an itinerary card, a map in the browser."""

    client_tools = CLIENT_TOOL_NAMES

    def new_agent(self, picked: Picked) -> Agent[AgentContext[Any]]:
        return new_trip_planner(picked.model, picked.tool)

    def models(self) -> list[ModelOption]:
        return [ModelOption(m.id, m.label, default=i == 0) for i, m in enumerate(offered_models())]

    def tools(self) -> list[ToolOption]:
        return [ToolOption(m.id, m.label, m.icon, m.short_label, m.placeholder) for m in MODES.values()]

    def tags(self) -> bool:
        return True

    async def search_entities(self, query: str) -> list[EntityOption]:
        """Cities of the gazetteer whose name starts with `query`, most populous first: "@Lis" -> Lisbon."""
        return [_place(city) for city in await asyncio.to_thread(gazetteer.cities_starting, query, 8)]

    def sources(self, reply: str, used: list[ToolUse]) -> list[Annotation]:
        """The cities the run looked up, as entities placed after their name in the reply (a click opens the map,
        a hover shows their facts), then the data each tool read (GeoNames, the holidays package, Astral, IANA)."""
        cited: list[Annotation] = []
        places = [place for use in used if use.name == FIND_CITY and (place := _city_found(use)) is not None]
        for place in {place.id: place for place in places}.values():
            at = reply.find(place.data["city"])
            source = EntitySource(
                id=place.id, title=place.title, icon="map-pin", group="Places", interactive=True, data=place.data
            )
            cited.append(Annotation(source=source, index=at + len(place.data["city"]) if at >= 0 else None))
        names = {use.name for use in used}
        cited += [Annotation(source=source) for tool, source in DATA_SOURCES.items() if tool in names]
        return cited

    def tag_text(self, tag: UserMessageTagContent) -> str | None:
        """A tagged city, named exactly from the gazetteer (not from the browser's words): its GeoNames id and
        coordinates, so that "@Portland" is the Portland the user picked."""
        geonameid = str(tag.data.get("geonameid", ""))
        city = gazetteer.city_by_id(int(geonameid)) if tag.data.get("kind") == "city" and geonameid.isdigit() else None
        if city is None:
            return None
        return f"@{_place(city).title} {tagged_place(city.geonameid, city.latitude, city.longitude)}"

    def dictation(self) -> bool:
        return transcription_model() is not None

    async def transcribe(self, audio: bytes, media_type: str) -> str:
        try:
            return await transcribe(audio, media_type)
        except OpenAIError as error:
            logger.warning("Transcription failed: %s", error)
            raise TranscriptionFailed("The recording could not be transcribed; try again, or type instead.") from None

    def run_config(self) -> RunConfig:
        # Traces go to OpenAI only with an OpenAI key (`providers.configure_tracing`).
        return RunConfig(tracing_disabled=not settings.OPENAI_API_KEY, workflow_name=AGENT_NAME)

    def describe_model(self, agent: Agent[AgentContext[Any]]) -> tuple[str, bool]:
        return describe(agent.model)

    def reads_images(self) -> bool:
        return sees_images()

    def widget_as_text(self, item: WidgetItem) -> str:
        # What the card showed, in reading order, rather than its JSON.
        return item.copy_text or " · ".join(widget_texts(item.widget))

    async def title(self, first_message: str) -> str:
        """Written by the configured OpenAI (or compatible) model; without one, derived from the message."""
        model = title_model()
        if model is None:
            return derived_title(first_message)
        return await model_title(first_message, model, tracing_disabled=not settings.OPENAI_API_KEY)

    def action_note(self, action: Action[str, Any], sender: WidgetItem | None) -> ActionNote:
        """An itinerary card's button: re-plan from the plan the card shows."""
        try:
            request = itinerary_action_request(action.type, action.payload)
        except UnknownAction:
            raise ActionRefused(f"Unknown action `{action.type}`.", code="unknown_action") from None
        except InvalidActionPayload as error:
            raise ActionRefused(str(error)) from None
        return ActionNote(progress=f"{request.progress}…", note=request.note, icon="suitcase")

    async def sync_action(
        self, action: Action[str, Any], sender: WidgetItem | None, context: CallerRequest
    ) -> WidgetItem:
        """The card's clock switch: the same card with its times on the other clock, drawn without a model turn."""
        if action.type != CLOCK:
            raise ActionRefused(f"Unknown action `{action.type}`.", code="unknown_action")
        if sender is None:
            raise ActionRefused("The clock switch is pressed on an itinerary card.")
        try:
            plan, hours = clock_request(action.payload)
        except InvalidActionPayload as error:
            raise ActionRefused(str(error)) from None
        locale = context.locale if context.locale.strip() else None
        # Off the event loop, as the tool does: a calendar and two sun positions per day.
        itinerary = await asyncio.to_thread(
            build_itinerary, plan.city, plan.country_code, plan.start_date.isoformat(), plan.days, plan.budget, locale
        )
        fmt = locales.locale_format(locale).with_clock(hours)
        return sender.model_copy(
            update={"widget": itinerary_card(itinerary, fmt), "copy_text": itinerary_text(itinerary, fmt)}
        )

    def warm_up(self) -> None:
        gazetteer.warm()  # the city index: about a second to build
        locales.locale_format("en")  # babel's locale data
        if title_model() is None:  # the offline planner, or titles derived from the first message
            languages.warm_up()  # the language model and dateparser's data: about a second, 50 MB


def _place(city: gazetteer.City) -> EntityOption:
    """A city as a tag: its data names it exactly (the gazetteer's id, the country, where it is)."""
    found = gazetteer.country(city.country_code)
    data = {
        "kind": "city",
        "geonameid": str(city.geonameid),
        "city": city.name,
        "country_code": city.country_code,
        "country": found.name if found else city.country_code,
        "latitude": f"{city.latitude:.5f}",
        "longitude": f"{city.longitude:.5f}",
        "population": str(city.population),
        "timezone": city.timezone,
    }
    return EntityOption(f"city:{city.geonameid}", f"{city.name}, {data['country']}", group="Cities", data=data)


def _city_found(use: ToolUse) -> EntityOption | None:
    """The city a `find_city` call found, looked up again here from its arguments (never from the model's words)."""
    try:
        arguments = json.loads(use.arguments or "{}")
        return _place(lookup_city(str(arguments.get("name") or ""), arguments.get("country")))
    except (ValueError, AttributeError, ToolInputError):
        return None
