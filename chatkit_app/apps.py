"""App config for the ChatKit surface: models, store, server, views."""

from django.apps import AppConfig


class ChatkitAppConfig(AppConfig):
    name = "chatkit_app"
    verbose_name = "ChatKit"

    def ready(self) -> None:
        from chatkit_app import checks  # noqa: F401  (registers the system checks)
        from merak_project.runtime import agents_sdk, asgi_handler, chatkit_sdk

        chatkit_sdk.apply()
        agents_sdk.apply()
        asgi_handler.apply()
