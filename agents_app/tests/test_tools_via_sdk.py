"""The tools as the Agents SDK calls them: JSON arguments in, JSON text out, context optional."""

import json
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from agents.tool_context import ToolContext

from agents_app.tools import TRIP_PLANNER_TOOLS


@dataclass
class _Request:
    user_id: str = "u1"
    request_id: str = "r1"
    locale: str = "pt-PT"
    feature_flags: frozenset[str] = frozenset()


def _tool(name):
    return next(tool for tool in TRIP_PLANNER_TOOLS if tool.name == name)


async def _invoke(name, arguments, context=None):
    arguments_json = json.dumps(arguments)
    ctx = ToolContext(context=context, tool_name=name, tool_call_id="call_1", tool_arguments=arguments_json)
    output = await _tool(name).on_invoke_tool(ctx, arguments_json)
    return json.loads(output)


def test_the_agent_has_the_four_tools_with_strict_schemas():
    assert [tool.name for tool in TRIP_PLANNER_TOOLS] == ["find_city", "public_holidays", "sun_times", "local_time"]
    for tool in TRIP_PLANNER_TOOLS:
        assert tool.strict_json_schema
        assert tool.description  # the docstring: what the model reads to choose the tool
        assert set(tool.params_json_schema["required"]) == set(tool.params_json_schema["properties"])


async def test_tools_return_json_text_without_any_context():
    assert (await _invoke("find_city", {"name": "Lisbon", "country": None}))["timezone"] == "Europe/Lisbon"
    assert (await _invoke("sun_times", {"city": "Lisbon", "date": "2027-03-12", "country": "PT"}))["sunrise"]
    assert (await _invoke("local_time", {"city": "Lisbon", "country": None}))["timezone"] == "Europe/Lisbon"


@pytest.mark.parametrize(
    "context", [_Request(), SimpleNamespace(request_context=_Request())], ids=["request context", "chatkit-like"]
)
async def test_tools_use_the_request_locale_when_there_is_one(context):
    result = await _invoke(
        "public_holidays", {"country": "PT", "start_date": "2027-12-25", "end_date": "2027-12-25"}, context
    )
    assert result["holidays"][0]["name"] == "Dia de Natal"


async def test_errors_reach_the_model_as_results():
    result = await _invoke("find_city", {"name": "Xyzzyville", "country": None})
    assert result["error"] == "unknown_city"
