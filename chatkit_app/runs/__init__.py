"""Replies that belong to the server: they run to their end however their connection ends, can be
stopped from any worker, and are drained when a worker shuts down."""
