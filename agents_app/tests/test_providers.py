"""Model selection from settings; nothing here touches the network."""

import pytest
from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel, set_tracing_disabled
from agents.tracing import get_trace_provider
from agents.tracing.traces import NoOpTrace
from django.core.exceptions import ImproperlyConfigured

from agents_app.chat_completions import ChatCompletionsModel
from agents_app.offline import OfflineTripPlannerModel
from agents_app.providers import get_model


class CustomModel(OfflineTripPlannerModel):
    """A stand-in for a team's own `agents.Model`, importable by dotted path."""


def test_without_a_key_the_offline_planner_is_used():
    assert isinstance(get_model(), OfflineTripPlannerModel)


def test_with_a_key_the_responses_api_model_is_used(settings):
    settings.OPENAI_API_KEY = "sk-test"
    settings.MERAK_MODEL = "gpt-4.1-mini"
    model = get_model()
    assert isinstance(model, OpenAIResponsesModel)
    assert model.model == "gpt-4.1-mini"
    assert model._client.api_key == "sk-test"
    assert str(model._client.base_url).startswith("https://api.openai.com/")


def test_the_chat_completions_flag_selects_chat_completions(settings):
    settings.OPENAI_API_KEY = "sk-test"
    settings.MERAK_USE_CHAT_COMPLETIONS = True
    settings.MERAK_MODEL = "qwen2.5"
    model = get_model()
    assert isinstance(model, OpenAIChatCompletionsModel)
    assert isinstance(model, ChatCompletionsModel)  # the variant with real item ids
    assert model.model == "qwen2.5"


def test_the_base_url_points_the_client_elsewhere(settings):
    settings.OPENAI_API_KEY = "not-an-openai-key"
    settings.OPENAI_BASE_URL = "http://localhost:11434/v1"
    assert str(get_model()._client.base_url) == "http://localhost:11434/v1/"


def test_the_client_is_shared_between_runs(settings):
    settings.OPENAI_API_KEY = "sk-test"
    assert get_model()._client is get_model()._client


def test_a_dotted_path_builds_that_class_with_or_without_a_key(settings):
    settings.MERAK_MODEL = "agents_app.tests.test_providers.CustomModel"
    assert type(get_model()) is CustomModel
    settings.OPENAI_API_KEY = "sk-test"
    assert type(get_model()) is CustomModel


@pytest.mark.parametrize(
    "path", ["agents_app.tests.test_providers.Missing", "agents_app.tests.test_providers.ImproperlyConfigured"]
)
def test_a_dotted_path_to_something_else_is_a_configuration_error(settings, path):
    settings.MERAK_MODEL = path
    with pytest.raises(ImproperlyConfigured):
        get_model()


@pytest.fixture
def tracing_enabled():
    """Tracing switched on at the start and off again after, whatever earlier tests did."""
    set_tracing_disabled(False)
    yield
    set_tracing_disabled(True)


@pytest.mark.parametrize(
    ("api_key", "base_url"), [("", ""), ("key-for-my-vllm", "http://localhost:8000/v1")], ids=["no key", "other server"]
)
def test_tracing_export_is_off_unless_talking_to_openai(settings, tracing_enabled, api_key, base_url):
    settings.OPENAI_API_KEY = api_key
    settings.OPENAI_BASE_URL = base_url
    get_model()
    assert isinstance(get_trace_provider().create_trace("merak-test"), NoOpTrace)
