"""Where Merak departs from the Agents SDK (openai-agents): one private function, replaced.

Every run names the agents it can reach (`_build_agent_identity_map`), twice:
for its sandbox's session manager and for its tool-use tracker. The SDK orders
agents that share a name by a key that serializes each one whole (its
instructions, tools and settings as JSON) and computes that key even for a
name only one agent has, where there is nothing to order: 330 µs of CPU for
the Trip Planner, 0.66 ms of each stream (bench/README.md, issue 14). Here a
graph whose names are all distinct is mapped name to agent directly, which is
what the SDK's function returns for it; any other goes to the SDK's. `apply()`
installs it, at start-up. The same fix, offered upstream:
`bench/openai_agents_identity_map.patch`.

Guarded by `runtime/tests/test_upstream_contracts.py`, which fails when the SDK
no longer builds the map through this function, or builds another map.
"""

from __future__ import annotations

from typing import Any

import agents._run_state_agent_identity as identity
from agents import Agent

_sdk_build_agent_identity_map = identity._build_agent_identity_map


def build_agent_identity_map(initial_agent: Agent[Any]) -> dict[str, Agent[Any]]:
    """The SDK's map of the agents reachable from `initial_agent`, without its sort keys when no name repeats."""
    reachable = list(identity._iter_agent_graph(initial_agent))
    by_name = {agent.name: agent for agent in reachable}
    if len(by_name) == len(reachable):
        return by_name
    return _sdk_build_agent_identity_map(initial_agent)


def apply() -> None:
    identity._build_agent_identity_map = build_agent_identity_map
