"""The per-request context handed to the store, the server and the agent."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who is calling and what about: built once per `/chatkit` request."""

    user_id: str
    request_id: str = ""
    locale: str = "en"
    feature_flags: frozenset[str] = field(default_factory=frozenset)
    # Set for `threads.create`: the id of the thread it makes, chosen before it exists so that
    # its lease can be taken before the first event names it.
    new_thread_id: str | None = None
