"""Shows what the Trip Planner's tools are doing while they run: a progress line and a task in the thread's workflow.

Tools call `tool_progress(ctx, ...)`. Inside ChatKit the run context is chatkit's `AgentContext`,
and the user sees "Looking up Lisbon…" at once, then a completed task with what was found.
Without one (scripts, tests without ChatKit) it does nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from chatkit.icons import IconName
from chatkit.types import CustomTask, ProgressUpdateEvent, ThreadItemReplacedEvent

from agents_app.context import PlannerRunContext, agent_context


@dataclass
class ToolStep:
    """What the tool reports when it is done: the task's final title and a one-line result."""

    title: str
    result: str | None = None


async def show_progress(ctx: PlannerRunContext | None, text: str, icon: IconName | None = None) -> None:
    """A short-lived status line ("Drawing your itinerary…"); not stored in the thread."""
    context = agent_context(ctx)
    if context is not None:
        await context.stream(ProgressUpdateEvent(text=text, icon=icon))


@asynccontextmanager
async def tool_progress(ctx: PlannerRunContext | None, title: str, icon: IconName) -> AsyncIterator[ToolStep]:
    """Show `title` as a running task while the block runs, then as done with the step's result."""
    step = ToolStep(title=title)
    context = agent_context(ctx)
    if context is None:
        yield step
        return
    await context.stream(ProgressUpdateEvent(text=f"{title}…", icon=icon))
    await context.add_workflow_task(CustomTask(title=title, icon=icon, status_indicator="loading"))
    workflow = context.workflow_item
    assert workflow is not None  # add_workflow_task starts one when there is none
    # Tools run concurrently; this task's place is fixed the moment it is appended.
    index = len(workflow.workflow.tasks) - 1
    try:
        yield step
    finally:
        done = CustomTask(title=step.title, icon=icon, content=step.result, status_indicator="complete")
        if context.workflow_item is workflow:
            await context.update_workflow_task(done, index)
        else:
            # Something visible (a widget, the reply) closed the workflow while this tool ran:
            # correct the closed workflow as stored and shown, rather than leave a spinner behind.
            workflow.workflow.tasks[index] = done
            await context.stream(ThreadItemReplacedEvent(item=workflow))
