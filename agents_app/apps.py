"""App config for the Trip Planner agent: instructions, tools, model selection."""

from django.apps import AppConfig


class AgentsAppConfig(AppConfig):
    name = "agents_app"
    verbose_name = "Trip Planner agent"

    def ready(self) -> None:
        from agents_app import providers

        # Before any run: without an OpenAI key, no agent run may try to export traces.
        providers.configure_tracing()
