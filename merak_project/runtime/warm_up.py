"""Work done once per server process, after Django is set up and before traffic."""

import gc
from types import ModuleType

from pydantic import BaseModel


def complete_models(*modules: ModuleType) -> None:
    """Build the validators of the pydantic models these modules define.

    The OpenAI and ChatKit types defer building them to first use, which
    would otherwise land in the first requests (a few ms per model).
    """
    for module in modules:
        package = module.__name__.rsplit(".", 1)[0]
        for value in list(vars(module).values()):
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__.startswith(package)
                and not value.__pydantic_complete__
            ):
                value.model_rebuild()


def warm_up() -> None:
    """Build what the first request would otherwise pay for, then freeze the heap.

    The URLconf and views, the ChatKit server, the responder's data (the
    Trip Planner's city index takes about a second to build, its locale data)
    and the protocol's pydantic models are made here rather than in the first users' requests. Objects
    alive now live for the whole process:
    `gc.freeze()` moves them out of the collector's reach, so full collections
    (which stall every open stream) only walk what requests allocate.
    """
    import chatkit.types
    import chatkit.widgets
    import openai.types.responses
    from django.urls import get_resolver

    from chatkit_app.protocol.responder import get_responder
    from chatkit_app.protocol.server import get_server

    list(get_resolver().url_patterns)  # imports every view module
    get_server()
    get_responder().warm_up()
    complete_models(chatkit.types, chatkit.widgets, openai.types.responses)
    gc.collect()
    gc.freeze()
