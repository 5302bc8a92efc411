"""ASGI entry point: HTTP goes to Django (the /chatkit view streams from there), bodies capped on the way in."""

import os

import django
from channels.routing import ProtocolTypeRouter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "merak_project.settings")
django.setup(set_prefix=False)

from merak_project.runtime.asgi_handler import PooledThreadASGIHandler  # noqa: E402  (needs Django set up)
from merak_project.runtime.body_limit import BodyLimit  # noqa: E402
from merak_project.runtime.lifespan import lifespan  # noqa: E402
from merak_project.runtime.warm_up import warm_up  # noqa: E402

django_asgi_app = PooledThreadASGIHandler()
warm_up()

# Bodies over their limit are refused as they arrive, before Django spools them (see `runtime.body_limit`);
# on shutdown, running replies are drained (see `runtime.lifespan`).
application = ProtocolTypeRouter({"http": BodyLimit(django_asgi_app), "lifespan": lifespan})
