"""The itinerary card: built from the day-by-day facts, streamed as it grows, with buttons that carry the plan."""

import itertools
import json
from datetime import date

import pytest
from chatkit.server import diff_widget

from agents_app.actions import ADD_DAY, CHEAPER, CLOCK, REMOVE_DAY, ItineraryPlan
from agents_app.tools.itinerary import build_itinerary
from agents_app.tools.results import ToolInputError
from agents_app.trips.locales import locale_format
from agents_app.widgets import itinerary_card, itinerary_card_states, itinerary_text, widget_texts

GB = locale_format("en-GB")


def test_each_day_gets_its_date_outline_daylight_and_holiday():
    itinerary = build_itinerary("Lisbon", "PT", "2027-12-24", 3)
    assert [day.day for day in itinerary.days] == [date(2027, 12, 24), date(2027, 12, 25), date(2027, 12, 26)]
    assert [day.outline for day in itinerary.days] == [
        "Arrival and the old centre",
        "Main sights and a museum",
        "Last stroll and departure",
    ]
    assert [day.holiday for day in itinerary.days] == [None, "Christmas Day", None]
    assert all(day.sunrise < day.sunset for day in itinerary.days)


def test_the_midnight_sun_has_no_sunrise_row():
    itinerary = build_itinerary("Tromsø", "NO", "2027-06-21", 1)
    assert itinerary.days[0].polar == "midnight_sun"
    assert "Midnight sun: the sun does not set" in widget_texts(itinerary_card(itinerary, GB))


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        (("Xyzzyville", None, "2027-03-12", 3), "unknown_city"),
        (("Lisbon", None, "12/03/2027", 3), "bad_date"),
        (("Lisbon", None, "2027-03-12", 0), "bad_length"),
    ],
)
def test_bad_arguments_are_refused(arguments, code):
    with pytest.raises(ToolInputError) as refused:
        build_itinerary(*arguments)
    assert refused.value.code == code


def sent(widget) -> dict:
    """The card as ChatKit receives it."""
    return json.loads(widget.model_dump_json(exclude_none=True))


def buttons(card: dict) -> dict[str, dict]:
    return {button["onClickAction"]["type"]: button for button in card["children"][-1]["children"]}


async def test_the_card_grows_a_row_at_a_time_then_gets_its_buttons():
    itinerary = build_itinerary("Lisbon", "PT", "2027-03-12", 2)
    states = [sent(state) async for state in itinerary_card_states(itinerary, GB)]
    keys = [
        [child["key"] for child in state["children"] if child.get("key", "").startswith("day-")] for state in states
    ]
    assert keys == [[], ["day-1"], ["day-1", "day-2"], ["day-1", "day-2"]]
    assert [state.get("status") for state in states[:3]] == [
        {"text": "Building your itinerary…", "icon": "suitcase"}
    ] * 3
    assert "status" not in states[-1]
    assert "Add a day" not in widget_texts(states[-2]) and "Add a day" in widget_texts(states[-1])


async def test_every_state_of_the_card_has_the_same_top_level_keys_for_the_sdks_diff():
    # The SDK's `diff_widget` reads each top-level key of either state from both: a key only one
    # state has (the status, dropped when the card is done) raises there, in an order that depends
    # on Python's string hashing. So "status" is always there, null once the card is done.
    itinerary = build_itinerary("Lisbon", "PT", "2027-12-24", 3)
    states = [state async for state in itinerary_card_states(itinerary, GB)]
    assert {frozenset(state.model_fields_set) for state in states} == {frozenset(states[0].model_fields_set)}
    assert all(diff_widget(before, after) for before, after in itertools.pairwise(states))


def test_buttons_carry_the_plan_and_are_disabled_when_they_would_change_nothing():
    one_budget_day = build_itinerary("Lisbon", "PT", "2027-03-12", 1, budget=True)
    actions = buttons(sent(itinerary_card(one_budget_day, GB)))
    assert list(actions) == [ADD_DAY, REMOVE_DAY, CHEAPER, CLOCK]
    assert ItineraryPlan.model_validate(actions[ADD_DAY]["onClickAction"]["payload"]) == one_budget_day.plan
    assert [actions[kind]["disabled"] for kind in (ADD_DAY, REMOVE_DAY, CHEAPER, CLOCK)] == [False, True, True, False]
    assert actions[ADD_DAY]["onClickAction"]["handler"] == "server"
    assert actions[ADD_DAY]["onClickAction"]["streaming"] is True, "a re-plan is a model turn, streamed"


def test_the_clock_switch_offers_the_other_clock_and_asks_for_no_model_turn():
    itinerary = build_itinerary("Lisbon", "PT", "2027-03-12", 1)
    gb_switch = buttons(sent(itinerary_card(itinerary, GB)))[CLOCK]
    us_switch = buttons(sent(itinerary_card(itinerary, locale_format("en-US"))))[CLOCK]
    switched = buttons(sent(itinerary_card(itinerary, GB.with_clock("12h"))))[CLOCK]

    assert (gb_switch["label"], us_switch["label"], switched["label"]) == (
        "12-hour clock",
        "24-hour clock",
        "24-hour clock",
    )
    assert gb_switch["onClickAction"]["streaming"] is False
    assert gb_switch["onClickAction"]["payload"] == {**itinerary.plan.model_dump(mode="json"), "clock": "12h"}
    assert switched["onClickAction"]["payload"]["clock"] == "24h"


def test_the_card_writes_times_on_the_clock_asked_for():
    itinerary = build_itinerary("Lisbon", "PT", "2027-03-12", 1)
    sunrise = itinerary.days[0].sunrise  # "07:0x" on the tool's 24-hour clock

    assert f"Sunrise {sunrise}" in " ".join(widget_texts(itinerary_card(itinerary, GB)))
    twelve = " ".join(widget_texts(itinerary_card(itinerary, GB.with_clock("12h"))))
    assert f"Sunrise {int(sunrise[:2])}:{sunrise[3:]} am" in twelve
    assert f"Sunrise {int(sunrise[:2])}:{sunrise[3:]}\u202fAM" in itinerary_text(itinerary, locale_format("en-US"))
    assert f"Sunrise {sunrise}" in itinerary_text(itinerary, locale_format("en-US").with_clock("24h"))


def test_the_copy_text_is_the_card_in_plain_text_for_the_users_locale():
    itinerary = build_itinerary("Lisbon", "PT", "2027-12-24", 2)
    text = itinerary_text(itinerary, locale_format("en-US"))
    lines = text.splitlines()
    assert lines[0] == "2 days: Lisbon, Portugal, Fri, Dec 24 – Sat, Dec 25 2027"
    assert lines[2].startswith("Day 2 (Sat, Dec 25): Last stroll and departure; Sunrise 7:")
    assert lines[2].endswith("; public holiday (Christmas Day), check opening hours")
