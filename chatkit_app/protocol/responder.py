"""The agent behind the ChatKit server, as the server sees it: a `Responder`, named by `MERAK_RESPONDER`.

The server knows how to run an openai-agents agent on a thread and stream its
reply as ChatKit events; which agent, and what goes with it (its browser-side
tools, what the model reads of a card it showed, thread titles, what a widget's
button asks for), is the responder's. Serving another agent is adding an app
with a `Responder` subclass and pointing the setting at it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from agents import Agent, RunConfig
from chatkit.agents import AgentContext
from chatkit.icons import IconName
from chatkit.types import Action, Annotation, UserMessageTagContent, WidgetItem
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from chatkit_app.identity.auth import RequestContext


class ActionRefused(Exception):
    """A widget action the responder will not act on; its message is shown to the user, and `code` names why
    when the answer is a JSON error (a sync action's): "unknown_action" or "invalid_action"."""

    def __init__(self, message: str, code: str = "invalid_action") -> None:
        super().__init__(message)
        self.code = code


class TranscriptionFailed(Exception):
    """The transcription service failed or could not be reached; its message is for the user."""


@dataclass(frozen=True, slots=True)
class ModelOption:
    """A model the user may pick in the composer (ChatKit's `composer.models`)."""

    id: str
    label: str
    description: str = ""
    default: bool = False

    def as_option(self) -> dict[str, object]:
        option: dict[str, object] = {"id": self.id, "label": self.label, "default": self.default}
        return option | ({"description": self.description} if self.description else {})


@dataclass(frozen=True, slots=True)
class ToolOption:
    """A mode the user may pick from the composer's tool menu (ChatKit's `composer.tools`)."""

    id: str
    label: str
    icon: IconName
    short_label: str = ""
    placeholder: str = ""

    def as_option(self) -> dict[str, object]:
        option: dict[str, object] = {"id": self.id, "label": self.label, "icon": self.icon}
        if self.short_label:
            option["shortLabel"] = self.short_label
        if self.placeholder:
            option["placeholderOverride"] = self.placeholder
        return option


@dataclass(frozen=True, slots=True)
class EntityOption:
    """Something a user may tag in the composer with "@" (ChatKit's `Entity`): `data` goes with the tag to the
    model (`history.MerakItemConverter`) and to the page's entity callbacks (click, preview)."""

    id: str
    title: str
    group: str = ""
    data: dict[str, str] = field(default_factory=dict)

    def as_entity(self) -> dict[str, object]:
        entity: dict[str, object] = {"id": self.id, "title": self.title, "interactive": True, "data": self.data}
        return entity | ({"group": self.group} if self.group else {})


@dataclass(frozen=True, slots=True)
class ToolUse:
    """A function tool the agent called in a run, with its arguments (JSON text, as the model wrote them)."""

    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Picked:
    """What the user picked in the composer for the reply being written: a model and a tool, by id; None: none."""

    model: str | None = None
    tool: str | None = None


@dataclass(frozen=True, slots=True)
class ActionNote:
    """What a widget action asks for: a progress line for the user, and a note the agent reads as the request."""

    progress: str
    note: str
    icon: IconName = "sparkle"


class Responder(ABC):
    """The agent a `MerakChatKitServer` serves, and what the server asks of it."""

    #: Tools the agent hands to the browser (ChatKit client tools); calls to others are left out of its history.
    client_tools: frozenset[str] = frozenset()

    @abstractmethod
    def new_agent(self, picked: Picked) -> Agent[AgentContext[Any]]:
        """A fresh agent for one run, with the model and tool the user picked (already checked against
        `models()` and `tools()`). openai-agents keeps per-agent state: never share one between runs."""

    def models(self) -> list[ModelOption]:
        """The models a user may pick from (the first marked `default` is used when none is); none: no picker."""
        return []

    def tools(self) -> list[ToolOption]:
        """The composer's tool menu; none: no menu."""
        return []

    def tags(self) -> bool:
        """Whether the composer offers "@" tags (`search_entities`); off: no tag search."""
        return False

    async def search_entities(self, query: str) -> list[EntityOption]:
        """What a user may tag for `query` (already stripped, not empty), best first."""
        return []

    def sources(self, reply: str, used: list[ToolUse]) -> list[Annotation]:
        """What a reply cites, given the tools its run called: the data they read, the things they found.
        Attached to the reply's text when it is done (ChatKit shows them as its sources)."""
        return []

    def tag_text(self, tag: UserMessageTagContent) -> str | None:
        """What the model reads of an "@" tag in a message (its data is the browser's: check it); None: the
        tag's text and an excerpt of its data."""
        return None

    def dictation(self) -> bool:
        """Whether the composer offers dictation (`transcribe` can turn speech into text); off: no microphone."""
        return False

    async def transcribe(self, audio: bytes, media_type: str) -> str:
        """The words spoken in a recording (already checked: `recordings`); `TranscriptionFailed` when the
        service fails. Called only when `dictation()` is on."""
        raise NotImplementedError

    def run_config(self) -> RunConfig:
        return RunConfig(tracing_disabled=True)

    def describe_model(self, agent: Agent[AgentContext[Any]]) -> tuple[str, bool]:
        """The name of the agent's model, for its usage records, and whether it is an offline stand-in."""
        model = agent.model
        return (model if isinstance(model, str) else str(getattr(model, "model", "") or type(model).__name__)), False

    def reads_images(self) -> bool:
        """Whether the model reads images attached to messages (else it gets a note naming them)."""
        return False

    def widget_as_text(self, item: WidgetItem) -> str:
        """What the model reads of a widget the assistant showed."""
        return item.copy_text or item.widget.model_dump_json(exclude_unset=True, exclude_none=True)

    async def title(self, first_message: str) -> str | None:
        """A title for a thread that starts with `first_message`, written alongside the first reply; None: none."""
        return None

    def action_note(self, action: Action[str, Any], sender: WidgetItem | None) -> ActionNote:
        """What a widget's action asks the agent to do; `ActionRefused` when it is not one to act on."""
        raise ActionRefused(f"Unknown action `{action.type}`.", code="unknown_action")

    async def sync_action(
        self, action: Action[str, Any], sender: WidgetItem | None, context: RequestContext
    ) -> WidgetItem:
        """A widget's action answered at once, with no model turn (one sent with `streaming: false`): the widget
        item that sent it, as it should now look. The server stores it and the browser swaps it in place."""
        raise ActionRefused(f"Unknown action `{action.type}`.", code="unknown_action")

    def warm_up(self) -> None:  # noqa: B027 - optional: most responders have nothing to build ahead
        """Build, before the first request, what the agent's first run would otherwise pay for."""


@cache
def get_responder() -> Responder:
    """The process's responder, built from `MERAK_RESPONDER` (a dotted path to a `Responder` subclass)."""
    path = settings.MERAK_RESPONDER
    try:
        responder_class = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"MERAK_RESPONDER={path!r} cannot be imported: {error}") from error
    if not (isinstance(responder_class, type) and issubclass(responder_class, Responder)):
        raise ImproperlyConfigured(f"MERAK_RESPONDER={path!r} is not a subclass of chatkit_app Responder.")
    return responder_class()


def _forget_responder(setting: str, **kwargs: Any) -> None:
    if setting == "MERAK_RESPONDER":
        get_responder.cache_clear()


setting_changed.connect(_forget_responder)
