"""A model for tests of how replies run: it says "word1 word2 ... wordN", N being the number in the last message.

"say 40 words" gets forty words, streamed a word per event with the offline
planner's pause between them (`MERAK_OFFLINE_STREAM_DELAY_MS`), so a test
chooses how long a reply runs; the text depends on nothing else (no clock),
so two runs of one request store the same. Select it with
MERAK_MODEL=chatkit_app.testing.replies.WordsModel.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from openai.types.responses import ResponseOutputMessage, ResponseOutputText

from agents_app.offline import OfflineTripPlannerModel

_NUMBER = re.compile(r"\d+")


def words(count: int) -> str:
    return " ".join(f"word{n}" for n in range(1, count + 1))


class WordsModel(OfflineTripPlannerModel):
    def _next_output(self, model_input: Any, tools: Any) -> Any:
        said = [item for item in model_input if isinstance(item, dict) and item.get("role") == "user"]
        content = said[-1]["content"] if said else ""
        text = content if isinstance(content, str) else " ".join(str(part.get("text", "")) for part in content)
        found = _NUMBER.search(text)
        reply = words(int(found.group()) if found else 3)
        content = [ResponseOutputText(type="output_text", text=reply, annotations=[], logprobs=[])]
        message_id = f"msg_{uuid.uuid4().hex}"
        return [
            ResponseOutputMessage(id=message_id, type="message", role="assistant", status="completed", content=content)
        ]
