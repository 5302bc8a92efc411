"""Chooses the models behind the Trip Planner from settings: the offline planner, OpenAI, or any compatible server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import lru_cache

from agents import Model, ModelSettings, OpenAIResponsesModel, set_tracing_disabled, set_tracing_export_api_key
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from openai import AsyncOpenAI
from openai.types.shared import Reasoning

from agents_app.chat_completions import ChatCompletionsModel
from agents_app.offline import (  # the offline wing's one importer outside it: no key, no model
    MODEL_NAME,
    OfflineTripPlannerModel,
)

# "package.module.ClassName": identifiers joined by dots, ending in a capitalised class name.
# Model names such as "gpt-4.1-mini" or "qwen2.5" never match (a segment starts with a digit
# or holds a dash).
_CLASS_PATH = re.compile(r"^(?:[A-Za-z_]\w*\.)+[A-Z]\w*$")


@dataclass(frozen=True, slots=True)
class Offered:
    """A model a user may pick: its id (what the composer sends) and its label."""

    id: str
    label: str


OFFLINE_LABEL = "Offline planner"


def offered_models() -> list[Offered]:
    """The models a user may pick, the default (MERAK_MODEL) first.

    Without a key there is one: the offline planner (or the dotted-path class MERAK_MODEL names).
    With one, MERAK_MODEL and those MERAK_MODELS lists ("id=Label"), each once.
    """
    if _CLASS_PATH.match(settings.MERAK_MODEL):
        return [Offered(settings.MERAK_MODEL, settings.MERAK_MODEL.rsplit(".", 1)[-1])]
    if not settings.OPENAI_API_KEY:
        return [Offered(MODEL_NAME, OFFLINE_LABEL)]
    offered = {settings.MERAK_MODEL: settings.MERAK_MODEL}
    for entry in settings.MERAK_MODELS:
        model_id, _, label = (part.strip() for part in entry.partition("="))
        if model_id:
            offered.setdefault(model_id, label or model_id)
            if model_id == settings.MERAK_MODEL and label:
                offered[model_id] = label
    return [Offered(model_id, label) for model_id, label in offered.items()]


def get_model(picked: str | None = None) -> Model:
    """The model for one agent run: `picked` when it is one of `offered_models()`, else the default.

    - MERAK_MODEL is a dotted class path: that `agents.Model` subclass, built with no arguments.
    - No OPENAI_API_KEY: the offline planner.
    - Otherwise the OpenAI model (MERAK_MODEL, or the one picked) through the Responses API, or
      Chat Completions when MERAK_USE_CHAT_COMPLETIONS is on (for OpenAI-compatible servers
      without Responses), at OPENAI_BASE_URL if set.
    """
    api_key = settings.OPENAI_API_KEY
    base_url = settings.OPENAI_BASE_URL or None
    configure_tracing()
    model_name = _model_name(picked)
    if _CLASS_PATH.match(model_name):
        return _model_from_class_path(model_name)
    if not api_key:
        return OfflineTripPlannerModel()
    client = openai_client(api_key, base_url)
    if settings.MERAK_USE_CHAT_COMPLETIONS:
        # The SDK's Chat Completions model, but with real item ids (see chat_completions.py).
        return ChatCompletionsModel(model=model_name, openai_client=client)
    return OpenAIResponsesModel(model=model_name, openai_client=client)


def title_model() -> Model | None:
    """The model that names threads: the configured OpenAI (or compatible) model, or None.

    None for the offline planner and for a dotted-path model class (the benchmark's, a team's
    own): their threads get a title derived from the first message, without a model call.
    """
    if _CLASS_PATH.match(settings.MERAK_MODEL) or not settings.OPENAI_API_KEY:
        return None
    return get_model()


def sees_images() -> bool:
    """Whether the model reads images: OpenAI's own models do; other servers may not, the offline planner cannot."""
    openai_model = not settings.OPENAI_BASE_URL and not _CLASS_PATH.match(settings.MERAK_MODEL)
    return bool(settings.OPENAI_API_KEY) and openai_model


def _model_name(picked: str | None) -> str:
    """`picked` when it is one of `offered_models()`, else the default (MERAK_MODEL)."""
    if picked is not None and picked in {model.id for model in offered_models()}:
        return picked
    return str(settings.MERAK_MODEL)


def model_settings(picked: str | None = None) -> ModelSettings:
    """The settings a run sends its model: usage always asked for (an OpenAI-compatible server streams none
    unless asked); reasoning summaries from a model MERAK_REASONING_MODELS names, on the Responses API.

    On Chat Completions there is nothing to ask: servers that reason (vLLM, DeepSeek, llama.cpp) stream
    it as `reasoning_content`, which the Agents SDK reads as the same summary.
    """
    name = _model_name(picked)
    reasons = settings.OPENAI_API_KEY and not settings.MERAK_USE_CHAT_COMPLETIONS and not _CLASS_PATH.match(name)
    if reasons and any(fnmatch(name, pattern) for pattern in settings.MERAK_REASONING_MODELS):
        return ModelSettings(include_usage=True, reasoning=Reasoning(summary="auto"))
    return ModelSettings(include_usage=True)


def transcription_model() -> str | None:
    """The model dictation sends recordings to (MERAK_TRANSCRIPTION_MODEL), with a key; None: no dictation."""
    if not settings.OPENAI_API_KEY or _CLASS_PATH.match(settings.MERAK_MODEL):
        return None
    return settings.MERAK_TRANSCRIPTION_MODEL or None


async def transcribe(audio: bytes, media_type: str) -> str:
    """The words spoken in `audio`, from the transcription model at OPENAI_BASE_URL (or OpenAI's); raises the
    `openai` client's errors."""
    model = transcription_model()
    assert model is not None, "dictation is off"
    client = openai_client(settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL or None)
    extension = media_type.rsplit("/", 1)[-1].removeprefix("x-").replace("mpeg", "mp3").replace("wave", "wav")
    result = await client.with_options(timeout=30, max_retries=1).audio.transcriptions.create(
        model=model, file=(f"recording.{extension}", audio, media_type)
    )
    return result.text


@lru_cache(maxsize=4)
def openai_client(api_key: str, base_url: str | None) -> AsyncOpenAI:
    """One client (and so one connection pool) per process and configuration, shared by every run."""
    return AsyncOpenAI(api_key=api_key, base_url=base_url)


def _model_from_class_path(path: str) -> Model:
    try:
        model_class = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"MERAK_MODEL={path!r} cannot be imported: {error}") from error
    if not (isinstance(model_class, type) and issubclass(model_class, Model)):
        raise ImproperlyConfigured(f"MERAK_MODEL={path!r} is not a subclass of agents.Model.")
    return model_class()


def configure_tracing() -> None:
    """Switch off the SDK's trace export unless the key is an OpenAI key; called at startup and per run.

    The SDK exports traces to OpenAI's platform. Without a key there is nowhere to send them,
    and with a custom base URL the key belongs to another server and must not go to OpenAI.
    Tracing is only ever switched off here, so an operator's OPENAI_AGENTS_DISABLE_TRACING holds.
    """
    api_key = settings.OPENAI_API_KEY
    if not api_key or settings.OPENAI_BASE_URL:
        set_tracing_disabled(True)
    else:
        set_tracing_export_api_key(api_key)


def describe(model: Model | str | None) -> tuple[str, bool]:
    """A model's name, for usage records, and whether it is the offline planner (its tokens are words)."""
    if isinstance(model, OfflineTripPlannerModel):
        return MODEL_NAME, True
    if isinstance(model, str):
        return model, False
    return str(getattr(model, "model", "") or type(model).__name__), False
