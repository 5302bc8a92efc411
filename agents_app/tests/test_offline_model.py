"""The offline planner run end to end through the real Agents SDK: Runner, tools, streaming."""

import json

from agents import Agent, Runner
from agents.items import ToolCallItem, ToolCallOutputItem
from openai.types.responses import ResponseFunctionToolCall

from agents_app.offline import OfflineTripPlannerModel
from agents_app.planner import new_trip_planner
from agents_app.tools import find_city_tool, sun_times_tool

from .conftest import FIXED_TODAY

LISBON_REQUEST = "4 days in Lisbon from 2027-03-12"
NOTICE = "(Offline planner — no AI model is configured.)"


async def _stream(agent, run_input):
    """Run streamed and collect what a ChatKit client would see: text deltas and the final result."""
    result = Runner.run_streamed(agent, run_input)
    deltas = []
    async for event in result.stream_events():
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta":
            deltas.append(event.data.delta)
    return result, deltas


def _tool_calls(result):
    return [item.raw_item for item in result.new_items if isinstance(item, ToolCallItem)]


async def test_a_trip_request_calls_the_real_tools_then_streams_a_plan():
    result, deltas = await _stream(new_trip_planner(), LISBON_REQUEST)

    calls = _tool_calls(result)
    assert [call.name for call in calls] == ["find_city", "public_holidays", "sun_times", "local_time"]
    assert json.loads(calls[1].arguments) == {"country": "PT", "start_date": "2027-03-12", "end_date": "2027-03-15"}
    outputs = [json.loads(item.output) for item in result.new_items if isinstance(item, ToolCallOutputItem)]
    assert outputs[0]["timezone"] == "Europe/Lisbon"  # the SDK really ran the tools

    assert len(deltas) > 50  # word by word, not one lump
    assert "".join(deltas) == result.final_output
    plan = result.final_output
    assert plan.startswith(NOTICE)
    assert "Lisbon, Portugal" in plan
    assert f"sunrise {outputs[2]['sunrise']}" in plan
    assert "Day 1 — Friday 12 March" in plan and "Day 4 — Monday 15 March" in plan
    assert "Day 5" not in plan


async def test_holidays_on_the_trip_are_flagged():
    result, _ = await _stream(new_trip_planner(), "A week in Lisbon from 20 December 2027")
    assert "Saturday 25 December is a public holiday in Portugal (Christmas Day)" in result.final_output


async def test_without_a_destination_it_asks_and_calls_no_tools():
    result, deltas = await _stream(new_trip_planner(), "Can you plan a trip for me?")
    assert _tool_calls(result) == []
    assert deltas
    assert result.final_output.startswith(NOTICE)
    assert "Where would you like to go" in result.final_output


async def test_the_same_request_gives_the_same_plan(fixed_clock):
    first, _ = await _stream(new_trip_planner(), LISBON_REQUEST)
    second, _ = await _stream(new_trip_planner(), LISBON_REQUEST)
    assert first.final_output == second.final_output
    assert [(c.name, c.arguments) for c in _tool_calls(first)] == [(c.name, c.arguments) for c in _tool_calls(second)]
    # Ids stay unique even so: ChatKit stores each reply under its message id.
    assert {c.call_id for c in _tool_calls(first)}.isdisjoint(c.call_id for c in _tool_calls(second))


async def test_a_follow_up_changes_the_plan_in_the_conversation():
    first, _ = await _stream(new_trip_planner(), LISBON_REQUEST)
    follow_up = first.to_input_list() + [{"role": "user", "content": "make it 6 days"}]
    second, _ = await _stream(new_trip_planner(), follow_up)
    assert len(_tool_calls(second)) == 4  # a new question gets fresh facts
    assert "6 days in Lisbon" in second.final_output and "Day 6 — Wednesday 17 March" in second.final_output


async def test_only_the_agents_own_tools_are_called():
    agent = Agent(name="Lean planner", model=OfflineTripPlannerModel(), tools=[find_city_tool, sun_times_tool])
    result, _ = await _stream(agent, LISBON_REQUEST)
    assert [call.name for call in _tool_calls(result)] == ["find_city", "sun_times"]
    assert "Public holidays" not in result.final_output and "sunset" in result.final_output


async def test_non_streamed_runs_work_too():
    result = await Runner.run(new_trip_planner(), LISBON_REQUEST)
    assert len(_tool_calls(result)) == 4
    assert result.final_output.startswith(NOTICE)


async def test_undated_requests_assume_dates_and_say_so():
    agent = new_trip_planner().clone(model=OfflineTripPlannerModel(today=lambda: FIXED_TODAY))
    result, _ = await _stream(agent, "Kyoto")
    assert "Day 1 — Monday 15 March" in result.final_output
    assert "I assumed Monday 15 March 2027" in result.final_output


async def test_stream_events_carry_the_ids_and_order_chatkit_needs():
    model = OfflineTripPlannerModel()
    events = [
        event
        async for event in model.stream_response(
            None, LISBON_REQUEST, None, list(new_trip_planner().tools), None, [], None,
            previous_response_id=None, conversation_id=None, prompt=None,
        )
    ]
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    calls = [e.item for e in events if e.type == "response.output_item.done"]
    assert all(isinstance(c, ResponseFunctionToolCall) and c.id and c.call_id for c in calls)
    assert events[-1].response.output == calls
