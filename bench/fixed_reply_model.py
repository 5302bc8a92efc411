"""A model for load tests: answers every turn at once with the same 50-word reply.

It goes through the offline planner's streaming machinery (so the events are
those a real model's reply produces: 50 text deltas), with no model latency
and no tool calls. Select it with MERAK_MODEL=bench.fixed_reply_model.FixedReplyModel.
"""

from __future__ import annotations

import uuid

from openai.types.responses import ResponseOutputMessage, ResponseOutputText

from agents_app.offline import OfflineTripPlannerModel

WORDS = 50
REPLY = " ".join(f"word{n}" for n in range(WORDS))


class FixedReplyModel(OfflineTripPlannerModel):
    def _next_output(self, model_input, tools):  # noqa: ANN001, ANN202  (the parent's hook)
        return [
            ResponseOutputMessage(
                id=f"msg_{uuid.uuid4().hex}",
                type="message",
                role="assistant",
                status="completed",
                content=[ResponseOutputText(type="output_text", text=REPLY, annotations=[], logprobs=[])],
            )
        ]
