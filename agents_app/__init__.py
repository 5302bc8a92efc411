"""Merak's Trip Planner: the agent, its tools and the models behind it (OpenAI, compatible servers, offline)."""
