"""Run contexts for tests: the caller's request as the agent reads it, and a real ChatKit `AgentContext` around it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chatkit.agents import AgentContext
from chatkit.store import default_generate_id
from chatkit.types import ThreadMetadata

from agents_app.context import PlannerContext


@dataclass
class RequestStub:
    """What the agent reads of chatkit_app's request context (agents_app never imports it)."""

    user_id: str = "u1"
    request_id: str = "r1"
    locale: str = "en-GB"
    feature_flags: frozenset[str] = frozenset()


class _ItemIds:
    """Just what tools ask of a store outside a thread: ids for the items they add (progress tasks, cards)."""

    def generate_item_id(self, item_type, thread, context):
        return default_generate_id(item_type)


def chatkit_context(request: RequestStub | None = None) -> PlannerContext:
    """The run context ChatKit gives the agent, for a thread of its own, with `request` (a default one if None)."""
    thread = ThreadMetadata(id="thr_test", created_at=datetime.now())
    return AgentContext(
        thread=thread, store=_ItemIds(), request_context=request if request is not None else RequestStub()
    )
