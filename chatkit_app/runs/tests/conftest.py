"""The runs tests' model: replies as long as a test asks for."""

import pytest

WORDS_MODEL = "chatkit_app.testing.replies.WordsModel"


@pytest.fixture
def words_model(settings):
    """Replies of as many words as the message asks for ("say 40 words"), one every 20 ms."""
    settings.MERAK_MODEL = WORDS_MODEL
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 20
