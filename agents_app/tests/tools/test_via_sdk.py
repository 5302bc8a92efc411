"""The tools as the Agents SDK calls them: JSON arguments in, JSON text out, context optional."""

import json

from agents.tool_context import ToolContext

from agents_app.tests.support.run_context import RequestStub, chatkit_context
from agents_app.tools import TRIP_PLANNER_TOOLS


def _tool(name):
    return next(tool for tool in TRIP_PLANNER_TOOLS if tool.name == name)


async def _invoke(name, arguments, context=None):
    arguments_json = json.dumps(arguments)
    ctx = ToolContext(context=context, tool_name=name, tool_call_id="call_1", tool_arguments=arguments_json)
    output = await _tool(name).on_invoke_tool(ctx, arguments_json)
    return json.loads(output)


def test_the_agent_has_its_tools_with_strict_schemas():
    assert [tool.name for tool in TRIP_PLANNER_TOOLS] == [
        "find_city",
        "public_holidays",
        "sun_times",
        "local_time",
        "show_itinerary",
        "open_map",
        "ask_user",
    ]
    for tool in TRIP_PLANNER_TOOLS:
        assert tool.strict_json_schema
        assert tool.description  # the docstring: what the model reads to choose the tool
        assert set(tool.params_json_schema["required"]) == set(tool.params_json_schema["properties"])


async def test_tools_return_json_text_without_any_context():
    assert (await _invoke("find_city", {"name": "Lisbon", "country": None}))["timezone"] == "Europe/Lisbon"
    assert (await _invoke("sun_times", {"city": "Lisbon", "date": "2027-03-12", "country": "PT"}))["sunrise"]
    assert (await _invoke("local_time", {"city": "Lisbon", "country": None}))["timezone"] == "Europe/Lisbon"


async def test_tools_use_the_request_locale_when_there_is_one():
    context = chatkit_context(RequestStub(locale="pt-PT"))
    result = await _invoke(
        "public_holidays", {"country": "PT", "start_date": "2027-12-25", "end_date": "2027-12-25"}, context
    )
    assert result["holidays"][0]["name"] == "Dia de Natal"


async def test_errors_reach_the_model_as_results():
    result = await _invoke("find_city", {"name": "Xyzzyville", "country": None})
    assert result["error"] == "unknown_city"


async def test_show_itinerary_without_chatkit_returns_the_days_it_would_show():
    result = await _invoke(
        "show_itinerary",
        {"city": "Lisbon", "start_date": "2027-12-24", "days": 3, "country": "PT", "budget": False},
    )
    assert result["shown_to_user"] is False
    assert [day["date"] for day in result["days_detail"]] == ["2027-12-24", "2027-12-25", "2027-12-26"]
    assert result["days_detail"][1]["public_holiday"] == "Christmas Day"
    assert result["days_detail"][0]["sunrise"] < result["days_detail"][0]["sunset"]


async def test_show_itinerary_refuses_a_length_outside_the_planners_range():
    result = await _invoke(
        "show_itinerary", {"city": "Lisbon", "start_date": "2027-03-12", "days": 30, "country": None, "budget": False}
    )
    assert result["error"] == "bad_length"


async def test_open_map_without_a_browser_says_so_and_gives_the_link():
    result = await _invoke("open_map", {"city": "Lisbon", "country": "PT"})
    assert result["error"] == "no_browser" and "openstreetmap.org" in result["message"]
