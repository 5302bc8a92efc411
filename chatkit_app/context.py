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
    # Set for `threads.create`: the reply's thread holds nothing but its first message.
    creates_thread: bool = False
