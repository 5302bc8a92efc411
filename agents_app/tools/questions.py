"""The `ask_user` tool: the planner asks for what a plan is missing with ChatKit's structured-input form.

The model names the questions (the destination, the dates, the length) and suggests answers;
the tool shows them as a `StructuredInputItem` (suggestions as choices, the user may also type
their own) and the run stops (`planner.stop_for_the_browser`). The user's answers come back
with `threads.add_structured_input`: the SDK records them on the item and the run starts
again, reading them as the user's message (a skipped question says "skipped").
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from agents import function_tool
from chatkit.types import (
    StructuredInput,
    StructuredInputFreeform,
    StructuredInputItem,
    StructuredInputMultipleChoice,
    StructuredInputMultipleChoiceOption,
    ThreadItemDoneEvent,
)
from pydantic import BaseModel, Field

from agents_app.context import PlannerRunContext, agent_context
from agents_app.tools.results import as_tool_output, error_result

ASK_USER = "ask_user"
_MAX_CHOICES = 6


class Question(BaseModel):
    """One question of the form: what it is about, its words, and suggested answers (none: free text)."""

    about: Literal["destination", "dates", "length"]
    question: str = Field(max_length=200)
    choices: list[str]


def form_item(context_thread_id: str, item_id: str, questions: list[Question]) -> StructuredInputItem:
    """The structured-input item that shows `questions`: each once, choices trimmed and capped."""
    inputs: list[StructuredInput] = []
    for question in {q.about: q for q in questions}.values():
        choices = list(dict.fromkeys(c.strip()[:100] for c in question.choices if c.strip()))[:_MAX_CHOICES]
        if choices:
            options = [StructuredInputMultipleChoiceOption(value=choice) for choice in choices]
            inputs.append(StructuredInputMultipleChoice(id=question.about, question=question.question, options=options))
        else:
            inputs.append(StructuredInputFreeform(id=question.about, question=question.question))
    return StructuredInputItem(id=item_id, thread_id=context_thread_id, created_at=datetime.now(), inputs=inputs)


def asked(output: object) -> bool:
    """Whether an `ask_user` result says the form was shown (the run then stops for the user's answers)."""
    try:
        return json.loads(str(output)).get("asked") is True
    except (ValueError, AttributeError):
        return False


@function_tool(name_override=ASK_USER)
async def ask_user_tool(ctx: PlannerRunContext, questions: list[Question]) -> str:
    """Ask the user, with a short form, for what the plan is missing: the destination, the dates, the length.

    Call it instead of asking in prose, with only the questions you need, and nothing else in that
    turn. Suggest likely answers as `choices` (destinations for the destination; "This weekend",
    "Next month", "Any time" for the dates; "2 days", "3 days", "5 days" for the length); the user may
    also type their own. Their answers come back as their next message. Returns an object with
    `error` and `message` when no form can be shown.

    Args:
        questions: The questions, at most one per subject (`about`), each with its suggested answers.
    """
    context = agent_context(ctx)
    if context is None:
        return as_tool_output(error_result("no_browser", "No user is connected to answer a form: ask in prose."))
    if not questions:
        return as_tool_output(error_result("no_questions", "Name at least one question to ask."))
    item = form_item(context.thread.id, context.generate_id("message"), questions)
    await context.stream(ThreadItemDoneEvent(item=item))
    return as_tool_output({"asked": True, "questions": [question.about for question in questions]})
