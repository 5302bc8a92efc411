"""Work done once per server process, after Django is set up and before traffic."""

import gc


def warm_up() -> None:
    """Build what the first request would otherwise pay for, then freeze the heap.

    The ChatKit server, the agent and the city index (about a second to
    build) are made here rather than in the first user's request. Objects
    alive now live for the whole process: `gc.freeze()` moves them out of the
    collector's reach, so full collections (which stall every open stream)
    only walk what requests allocate.
    """
    from agents_app import gazetteer
    from chatkit_app.server import get_server

    get_server()
    gazetteer.warm()
    gc.collect()
    gc.freeze()
