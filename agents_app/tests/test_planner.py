"""The Trip Planner agent: one fresh copy per run, with its tools, model and per-run instructions."""

from agents import RunContextWrapper

from agents_app.offline import OfflineTripPlannerModel
from agents_app.planner import AGENT_NAME, new_trip_planner
from agents_app.tests.support.run_context import RequestStub, chatkit_context
from agents_app.trips.locales import locale_from_instructions


def test_each_run_gets_its_own_agent_with_the_tools():
    first, second = new_trip_planner(), new_trip_planner()
    assert first is not second and first.tools is not second.tools
    assert first.name == AGENT_NAME == "Merak Trip Planner"
    assert [tool.name for tool in first.tools] == [
        "find_city",
        "public_holidays",
        "sun_times",
        "local_time",
        "show_itinerary",
        "open_map",
        "ask_user",
    ]
    assert isinstance(first.model, OfflineTripPlannerModel)


def test_changing_one_runs_agent_leaves_the_next_alone():
    new_trip_planner().tools.clear()
    assert len(new_trip_planner().tools) == 7


async def test_instructions_tell_the_model_the_date_and_the_users_locale():
    agent = new_trip_planner()
    with_locale = await agent.get_system_prompt(RunContextWrapper(chatkit_context(RequestStub())))
    assert "use your tools for facts instead of guessing" in with_locale.lower()
    assert "Today's date" in with_locale
    assert "en-GB" in with_locale
    assert locale_from_instructions(with_locale) == "en-GB"  # the offline model reads it back
    without_context = await agent.get_system_prompt(RunContextWrapper(None))
    assert "locale" not in without_context


async def test_instructions_say_when_to_show_the_card_and_open_the_map():
    prompt = await new_trip_planner().get_system_prompt(RunContextWrapper(None))
    assert "call show_itinerary" in prompt and "call open_map" in prompt
    assert "ask with ask_user" in prompt and "not in\n  prose" in prompt


def test_a_runs_agent_is_the_agent_the_sdks_clone_would_make():
    """`new_trip_planner` copies the template without `Agent.clone()`'s validation: the same agent, field by field."""
    import dataclasses

    from agents_app.planner import _TEMPLATE
    from agents_app.providers import model_settings

    copied = new_trip_planner()
    cloned = _TEMPLATE.clone(model=copied.model, model_settings=model_settings(), tools=list(_TEMPLATE.tools))
    for field in dataclasses.fields(cloned):
        assert getattr(copied, field.name) == getattr(cloned, field.name), field.name
    assert vars(copied).keys() == vars(cloned).keys(), "the SDK's clone sets state the copy lacks"
