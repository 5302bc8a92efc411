"""The itinerary card: built from the day-by-day facts, streamed as it grows, with buttons that carry the plan."""

from datetime import date

import pytest

from agents_app.actions import ADD_DAY, CHEAPER, REMOVE_DAY, ItineraryPlan
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


async def test_the_card_grows_a_row_at_a_time_then_gets_its_buttons():
    itinerary = build_itinerary("Lisbon", "PT", "2027-03-12", 2)
    states = [state async for state in itinerary_card_states(itinerary, GB)]
    keys = [[child.key for child in state.children if (child.key or "").startswith("day-")] for state in states]
    assert keys == [[], ["day-1"], ["day-1", "day-2"], ["day-1", "day-2"]]
    assert [state.status is not None for state in states] == [True, True, True, False]
    assert "Add a day" not in widget_texts(states[-2]) and "Add a day" in widget_texts(states[-1])


def test_buttons_carry_the_plan_and_are_disabled_when_they_would_change_nothing():
    one_budget_day = build_itinerary("Lisbon", "PT", "2027-03-12", 1, budget=True)
    buttons = itinerary_card(one_budget_day, GB).children[-1].children
    actions = {button.onClickAction.type: button for button in buttons}
    assert set(actions) == {ADD_DAY, REMOVE_DAY, CHEAPER}
    assert ItineraryPlan.model_validate(actions[ADD_DAY].onClickAction.payload) == one_budget_day.plan
    assert [actions[kind].disabled for kind in (ADD_DAY, REMOVE_DAY, CHEAPER)] == [False, True, True]
    assert actions[ADD_DAY].onClickAction.handler == "server"


def test_the_copy_text_is_the_card_in_plain_text_for_the_users_locale():
    itinerary = build_itinerary("Lisbon", "PT", "2027-12-24", 2)
    text = itinerary_text(itinerary, locale_format("en-US"))
    lines = text.splitlines()
    assert lines[0] == "2 days: Lisbon, Portugal, Fri, Dec 24 – Sat, Dec 25 2027"
    assert lines[2].startswith("Day 2 (Sat, Dec 25): Last stroll and departure; Sunrise 7:")
    assert lines[2].endswith("; public holiday (Christmas Day), check opening hours")
