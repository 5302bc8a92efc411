"""The offline planner: a deterministic `agents.Model` that plans trips without an AI model, for when none is set.

`providers.get_model` chooses it when there is no API key; nothing else outside this package imports it.
"""

from agents_app.offline.events import MODEL_NAME
from agents_app.offline.model import OfflineTripPlannerModel

__all__ = ["MODEL_NAME", "OfflineTripPlannerModel"]
