"""The offline planner run end to end through the real Agents SDK: Runner, tools, streaming."""

import json
import re

from agents import Agent, Runner
from agents.items import ToolCallItem, ToolCallOutputItem
from openai.types.responses import ResponseFunctionToolCall, ResponseReasoningItem

from agents_app.offline import OfflineTripPlannerModel
from agents_app.planner import new_trip_planner
from agents_app.tests.support.run_context import RequestStub, chatkit_context
from agents_app.tools import find_city_tool, sun_times_tool

from .conftest import FIXED_TODAY

LISBON_REQUEST = "4 days in Lisbon from 2027-03-12"
NOTICE = "(Offline planner — no AI model is configured.)"
# The facts first, all at once; then the itinerary card, once they have answered.
FACTS_THEN_CARD = ["find_city", "public_holidays", "sun_times", "local_time", "show_itinerary"]


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
    assert [call.name for call in calls] == FACTS_THEN_CARD
    assert json.loads(calls[1].arguments) == {"country": "PT", "start_date": "2027-03-12", "end_date": "2027-03-15"}
    assert json.loads(calls[4].arguments) == {
        "city": "Lisbon",
        "start_date": "2027-03-12",
        "days": 4,
        "country": "PT",
        "budget": False,
    }
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
    # The form first (`ask_user`); with no browser to show it, in words.
    assert [call.name for call in _tool_calls(result)] == ["ask_user"]
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
    assert len(_tool_calls(second)) == 5  # a new question gets fresh facts and a new card
    assert "6 days in Lisbon" in second.final_output and "Day 6 — Wednesday 17 March" in second.final_output


async def test_only_the_agents_own_tools_are_called():
    agent = Agent(name="Lean planner", model=OfflineTripPlannerModel(), tools=[find_city_tool, sun_times_tool])
    result, _ = await _stream(agent, LISBON_REQUEST)
    assert [call.name for call in _tool_calls(result)] == ["find_city", "sun_times"]
    assert "Public holidays" not in result.final_output and "sunset" in result.final_output


async def test_non_streamed_runs_work_too():
    result = await Runner.run(new_trip_planner(), LISBON_REQUEST)
    assert len(_tool_calls(result)) == 5
    assert result.final_output.startswith(NOTICE)


async def test_undated_requests_ask_when_rather_than_guess():
    result, _ = await _stream(new_trip_planner(), "Kyoto")
    assert [call.name for call in _tool_calls(result)] == ["ask_user"]  # the form: no browser to show it
    assert "When would you like to go to Kyoto, Japan, and for how many days?" in result.final_output

    length_only, _ = await _stream(new_trip_planner(), "3 days in Kyoto")
    assert "When would you like to start your 3 days in Kyoto, Japan?" in length_only.final_output


async def test_dates_left_to_the_planner_are_picked_and_said():
    agent = new_trip_planner().clone(model=OfflineTripPlannerModel(today=lambda: FIXED_TODAY))
    first, _ = await _stream(agent, "Kyoto")
    result, _ = await _stream(agent, first.to_input_list() + [{"role": "user", "content": "any time, you choose"}])
    assert "Day 1 — Monday 15 March" in result.final_output
    assert "I picked Monday, 15 March 2027" in result.final_output


async def test_a_map_request_calls_the_client_tool_and_explains_when_there_is_no_browser():
    first, _ = await _stream(new_trip_planner(), LISBON_REQUEST)
    asked = first.to_input_list() + [{"role": "user", "content": "show it on a map"}]
    result, _ = await _stream(new_trip_planner(), asked)
    assert [call.name for call in _tool_calls(result)] == ["open_map"]
    assert json.loads(_tool_calls(result)[0].arguments) == {"city": "Lisbon", "country": "PT"}
    # Outside ChatKit nothing can open the map: the run goes on and the reply offers the link.
    assert "couldn't open the map of Lisbon" in result.final_output
    assert "openstreetmap.org" in result.final_output


async def test_a_map_request_without_a_place_asks_which():
    result, _ = await _stream(new_trip_planner(), "can you show me a map?")
    assert _tool_calls(result) == []
    assert "Which place should I show on the map?" in result.final_output


async def test_follow_ups_add_days_and_make_it_cheaper():
    first, _ = await _stream(new_trip_planner(), LISBON_REQUEST)
    longer, _ = await _stream(new_trip_planner(), first.to_input_list() + [{"role": "user", "content": "add a day"}])
    assert "5 days in Lisbon" in longer.final_output
    asked = longer.to_input_list() + [{"role": "user", "content": "make it cheaper"}]
    cheaper, _ = await _stream(new_trip_planner(), asked)
    assert "5 days in Lisbon, Portugal (budget trip)" in cheaper.final_output
    assert "free walking tour" in cheaper.final_output
    card = json.loads(_tool_calls(cheaper)[-1].arguments)
    assert (card["days"], card["budget"]) == (5, True)


async def test_dates_times_and_numbers_follow_the_users_locale():
    american = await Runner.run(
        new_trip_planner(), LISBON_REQUEST, context=chatkit_context(RequestStub(locale="en-US"))
    )
    assert "Day 1 — Friday, March 12" in american.final_output
    # CLDR puts a narrow no-break space before AM/PM.
    assert re.search(r"sunrise \d{1,2}:\d\d\sAM, sunset \d{1,2}:\d\d\sPM", american.final_output)
    german = await Runner.run(new_trip_planner(), LISBON_REQUEST, context=chatkit_context(RequestStub(locale="de-DE")))
    assert "Day 1 — Friday, 12 March" in german.final_output
    assert re.search(r"population \d{3}\.\d{3}", german.final_output)  # 517.802: German digit grouping
    assert german.final_output.startswith(NOTICE)  # still English


async def _model_events(model_input: str, tools: list) -> list:
    """What the model streams for one turn, called as the Agents SDK calls it."""
    stream = OfflineTripPlannerModel().stream_response(
        None, model_input, None, tools, None, [], None, previous_response_id=None, conversation_id=None, prompt=None
    )
    return [event async for event in stream]


async def test_stream_events_carry_the_ids_and_order_chatkit_needs():
    events = await _model_events(LISBON_REQUEST, list(new_trip_planner().tools))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    calls = [e.item for e in events if e.type == "response.output_item.done"]
    assert all(isinstance(c, ResponseFunctionToolCall) and c.id and c.call_id for c in calls)
    assert events[-1].response.output == calls


async def test_a_reply_starts_with_what_it_thought_as_a_reasoning_model_summary():
    events = await _model_events("Plan me a trip", [])

    thought, answer = [e.item for e in events if e.type == "response.output_item.done"]
    assert isinstance(thought, ResponseReasoningItem) and thought.id
    assert thought.summary[0].text == "No destination yet, so I will ask where they would like to go."
    summary = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert summary == thought.summary[0].text, "streamed a word at a time, as a model's summary is"
    assert answer.type == "message"
    assert events[-1].response.usage.output_tokens_details.reasoning_tokens == len(summary.split())
