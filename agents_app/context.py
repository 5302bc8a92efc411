"""What the Trip Planner receives from the ChatKit app with each run, typed: the caller's request and the run context.

The agent never imports the ChatKit app: `CallerRequest` states what it reads of the request
context, which chatkit_app's `RequestContext` (or any other) satisfies by having those fields.
"""

from __future__ import annotations

from typing import Protocol, TypeAlias, runtime_checkable

from agents import RunContextWrapper
from chatkit.agents import AgentContext, ClientToolCall


# Runtime-checkable because pydantic builds `AgentContext[CallerRequest]` at import and checks its field by type.
@runtime_checkable
class CallerRequest(Protocol):
    """What the agent reads of the caller's request. Read-only properties, so a frozen dataclass satisfies it."""

    @property
    def locale(self) -> str:
        """The user's locale as the browser sent it ("en-GB", "pt-PT")."""

    @property
    def feature_flags(self) -> frozenset[str]:
        """Features switched on for this caller."""


PlannerContext: TypeAlias = AgentContext[CallerRequest]
PlannerRunContext: TypeAlias = RunContextWrapper[PlannerContext]


def agent_context(ctx: PlannerRunContext | None) -> PlannerContext | None:
    """The ChatKit agent context behind this run, or None when the agent runs without one (scripts, tests)."""
    # The SDK types `ctx.context` as always there, but `Runner.run` without `context=` leaves it None.
    context: PlannerContext | None = ctx.context if ctx is not None else None
    return context


def request_locale(ctx: PlannerRunContext | None) -> str | None:
    """The locale ("en-GB") of the request behind this run; None without one. Tools may use it, never require it."""
    context = agent_context(ctx)
    if context is None:
        return None
    locale = context.request_context.locale
    return locale if locale.strip() else None


def pending_client_tool_call(ctx: PlannerRunContext | None) -> ClientToolCall | None:
    """The call a tool handed to the browser in this run (a ChatKit client tool call), if any."""
    context = agent_context(ctx)
    return context.client_tool_call if context is not None else None
