"""Thread titles: derived from the first message without a model, or written by the model with a fallback."""

import uuid
from datetime import date

import pytest
from openai.types.responses import ResponseOutputMessage, ResponseOutputText

from agents_app.offline import OfflineTripPlannerModel
from agents_app.providers import title_model
from agents_app.titles import MAX_TITLE_CHARS, derived_title, model_title

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("message", "title"),
    [
        ("4 days in Lisbon from 12 March", "4 days in Lisbon"),
        ("a day trip to Bath on 3 May", "1 day in Bath"),
        ("a long weekend in Nice", "Long weekend in Nice"),
        ("Kyoto", "Trip to Kyoto"),
        ("show Lisbon on a map", "Trip to Lisbon"),
        ("can you help me plan a honeymoon somewhere warm?", "Can you help me plan a"),
        ("?!", "New trip"),
    ],
)
def test_derived_titles_name_the_trip(message, title):
    assert derived_title(message, TODAY) == title


class _Replies(OfflineTripPlannerModel):
    """A model that answers every prompt with a fixed text."""

    def __init__(self, text):
        super().__init__()
        self.text = text

    def _next_output(self, model_input, tools):
        part = ResponseOutputText(type="output_text", text=self.text, annotations=[], logprobs=[])
        return [
            ResponseOutputMessage(
                id=f"msg_{uuid.uuid4().hex}", type="message", role="assistant", status="completed", content=[part]
            )
        ]


class _Broken(OfflineTripPlannerModel):
    def _next_output(self, model_input, tools):
        raise RuntimeError("the model is down")


@pytest.mark.parametrize(
    ("answer", "title"),
    [
        ('"Spring in Lisbon."', "Spring in Lisbon"),
        ("Title: Lisbon for four\n\nHope that helps!", "Lisbon for four"),
        ("**Lisbon, four days**", "Lisbon, four days"),
    ],
)
async def test_model_titles_are_cleaned_up(answer, title):
    assert await model_title("4 days in Lisbon", _Replies(answer)) == title


async def test_long_model_titles_are_cut_at_a_word():
    title = await model_title("4 days in Lisbon", _Replies("word " * 40))
    assert len(title) <= MAX_TITLE_CHARS and title.endswith("word")


async def test_a_failing_or_silent_model_falls_back_to_the_derived_title():
    assert await model_title("4 days in Lisbon", _Broken()) == "4 days in Lisbon"
    assert await model_title("4 days in Lisbon", _Replies("  ")) == "4 days in Lisbon"


def test_only_a_configured_openai_model_writes_titles(settings):
    assert title_model() is None  # offline
    settings.OPENAI_API_KEY = "sk-test"
    assert title_model() is not None
    settings.MERAK_MODEL = "agents_app.tests.test_providers.CustomModel"
    assert title_model() is None  # a model class of one's own: derived titles, no extra call
