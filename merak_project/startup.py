"""Work done once per server process, after Django is set up and before traffic."""

import gc


def warm_up() -> None:
    """Build what the first request would otherwise pay for, then freeze the heap.

    The ChatKit request adapter and the agent are built once here. Objects
    alive now live for the whole process: `gc.freeze()` moves them out of the
    collector's reach, so full collections (which stall every open stream)
    only walk what requests allocate.
    """
    from chatkit_app.server import get_server

    get_server()
    gc.collect()
    gc.freeze()
