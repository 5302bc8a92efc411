"""The offline Trip Planner model: a deterministic openai-agents `Model` used when no AI model is configured.

It is not a mock. Given the conversation it asks for what is missing, or calls the agent's real
tools (the SDK runs them and calls back: facts, the itinerary card, the browser's map), then
streams a reply written from their results, word by word, as Responses API events — the same
path a real model's reply takes. What it does each turn is decided in `turns`, how it is
streamed in `events`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime

from agents import FunctionTool, Handoff, Model, ModelResponse, ModelSettings, ModelTracing, Tool, Usage
from agents.agent_output import AgentOutputSchemaBase
from agents.items import TResponseInputItem, TResponseOutputItem, TResponseStreamEvent
from django.conf import settings
from openai.types.responses import ResponseTextDeltaEvent
from openai.types.responses.response_prompt_param import ResponsePromptParam

from agents_app.offline.conversation import read_conversation
from agents_app.offline.events import function_call, message, new_id, reasoning, stream_events, word_usage
from agents_app.offline.turns import next_step
from agents_app.trips.locales import locale_from_instructions


class OfflineTripPlannerModel(Model):
    """Plans trips from the tools' facts with fixed rules; same input (and same day), same reply.

    `today` is injectable so tests can pin the dates it assumes when the user gives none.
    """

    def __init__(self, today: Callable[[], date] | None = None) -> None:
        self._today = today or (lambda: datetime.now(UTC).date())
        # The user's locale, as this turn's instructions name it (the same line a real model reads).
        # Set just before `_next_output` runs, which is synchronous: no other turn can interleave.
        self._locale: str | None = None
        # The tool this turn's `tool_choice` forces (a mode of the composer's menu: `agents_app.modes`), likewise.
        self._forced: str | None = None

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        self._locale = locale_from_instructions(system_instructions)
        self._forced = _forced_tool(model_settings, tools)
        output = self._next_output(input, tools)
        words = word_usage(system_instructions, input, output)
        usage = Usage(
            requests=1,
            input_tokens=words.input_tokens,
            output_tokens=words.output_tokens,
            total_tokens=words.total_tokens,
        )
        return ModelResponse(output=output, usage=usage, response_id=new_id("resp"))

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        self._locale = locale_from_instructions(system_instructions)
        self._forced = _forced_tool(model_settings, tools)
        output = self._next_output(input, tools)
        # Read per call, not at import, so a settings override (tests set 0) takes effect.
        delay = float(getattr(settings, "MERAK_OFFLINE_STREAM_DELAY_MS", 0) or 0) / 1000
        for event in stream_events(output, word_usage(system_instructions, input, output)):
            if delay > 0 and isinstance(event, ResponseTextDeltaEvent):
                await asyncio.sleep(delay)
            yield event

    def _next_output(self, model_input: str | list[TResponseInputItem], tools: list[Tool]) -> list[TResponseOutputItem]:
        """This turn's output: a question or reply, or function calls to the available tools."""
        available = {tool.name for tool in tools if isinstance(tool, FunctionTool)}
        step = next_step(read_conversation(model_input), available, self._today(), self._locale, self._forced)
        thought: list[TResponseOutputItem] = [reasoning(step.thought)] if step.thought else []
        if step.reply is not None:
            return [*thought, message(step.reply)]
        return [*thought, *(function_call(name, arguments) for name, arguments in step.calls)]


def _forced_tool(model_settings: ModelSettings, tools: list[Tool]) -> str | None:
    """The function tool `tool_choice` names, if it names one of `tools` ("auto" and "required" name none)."""
    choice = getattr(model_settings, "tool_choice", None)  # tests drive the model with no settings at all
    names = {tool.name for tool in tools if isinstance(tool, FunctionTool)}
    return choice if isinstance(choice, str) and choice in names else None
