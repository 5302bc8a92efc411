"""App config for the Trip Planner agent: instructions, tools, model selection."""

from django.apps import AppConfig


class AgentsAppConfig(AppConfig):
    name = "agents_app"
    verbose_name = "Trip Planner agent"
