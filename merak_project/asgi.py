"""ASGI entry point: HTTP goes to Django (the /chatkit view streams from there)."""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "merak_project.settings")

django_asgi_app = get_asgi_application()

from merak_project.startup import warm_up  # noqa: E402  (needs Django set up)

warm_up()

application = ProtocolTypeRouter({"http": django_asgi_app})
